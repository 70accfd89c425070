/**
 * The sweep's state database, `DIR/state.sqlite` (SQLite through better-sqlite3, WAL journal,
 * synchronous NORMAL). Only the coordinator writes it; `hrtem status` reads it concurrently.
 * Every status change is one transaction, so a process killed at any instant leaves the last
 * committed state: each task has exactly one row (its key is the primary key) in one of the
 * statuses pending, running, done, failed. NORMAL does not fsync each commit: a power loss may
 * drop the last few, which the coordinator repairs from the artefacts' manifests (a committed
 * artefact is adopted, a missing one redone), so the database never needs to be ahead of the disk.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { InputError } from '../core/errors.js';
import type { JsonValue } from './canonical-json.js';
import type { PlannedTask } from './plan.js';

/** Status of a task in the database. */
export type TaskStatus = 'pending' | 'running' | 'done' | 'failed';

/** One row of the tasks table. */
export interface TaskRow {
  key: string;
  kind: string;
  version: string;
  params: JsonValue;
  deps: string[];
  ids: string[];
  status: TaskStatus;
  /** Times the task was started (including starts lost to a crash). */
  attempts: number;
  error: string | null;
  result: JsonValue | null;
  /** Unix time, ms. */
  startedAt: number | null;
  /** Unix time, ms. */
  finishedAt: number | null;
  durationMs: number | null;
  worker: string | null;
}

/** The sweep table: what this output folder belongs to. */
export interface SweepInfo {
  sweepHash: string;
  createdAt: number;
  schemaVersion: number;
}

/** Name of the database file inside a sweep's output folder. */
export const STATE_FILE = 'state.sqlite';
const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sweep (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  sweep_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  schema_version INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS tasks (
  key TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  version TEXT NOT NULL,
  params TEXT NOT NULL,
  deps TEXT NOT NULL,
  ids TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'running', 'done', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  error TEXT,
  result TEXT,
  started_at INTEGER,
  finished_at INTEGER,
  duration_ms REAL,
  worker TEXT
);
CREATE INDEX IF NOT EXISTS tasks_status ON tasks (status);
`;

interface RawRow {
  key: string;
  kind: string;
  version: string;
  params: string;
  deps: string;
  ids: string;
  status: TaskStatus;
  attempts: number;
  error: string | null;
  result: string | null;
  started_at: number | null;
  finished_at: number | null;
  duration_ms: number | null;
  worker: string | null;
}

function toRow(raw: RawRow): TaskRow {
  return {
    key: raw.key,
    kind: raw.kind,
    version: raw.version,
    params: JSON.parse(raw.params) as JsonValue,
    deps: JSON.parse(raw.deps) as string[],
    ids: JSON.parse(raw.ids) as string[],
    status: raw.status,
    attempts: raw.attempts,
    error: raw.error,
    result: raw.result === null ? null : (JSON.parse(raw.result) as JsonValue),
    startedAt: raw.started_at,
    finishedAt: raw.finished_at,
    durationMs: raw.duration_ms,
    worker: raw.worker,
  };
}

/** The state database of one sweep output folder. */
export class SweepState {
  /** The better-sqlite3 handle (for read-only queries by tools). */
  readonly db: Database.Database;
  /** Path of the database file. */
  readonly path: string;

  private readonly statements = new Map<string, Database.Statement>();

  private constructor(db: Database.Database, path: string) {
    this.db = db;
    this.path = path;
  }

  /** A prepared statement, compiled once per connection. */
  private sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  /**
   * Opens (creating if needed) `DIR/state.sqlite` for writing. Only one coordinator may hold a
   * sweep folder; the caller must ensure that.
   */
  static open(dir: string): SweepState {
    mkdirSync(dir, { recursive: true });
    const path = join(dir, STATE_FILE);
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.exec(SCHEMA);
    return new SweepState(db, path);
  }

  /**
   * Opens an existing `DIR/state.sqlite` read-only (for status displays while a sweep runs).
   *
   * @throws InputError when the folder holds no sweep state
   */
  static openReadOnly(dir: string): SweepState {
    const path = join(dir, STATE_FILE);
    let db: Database.Database;
    try {
      db = new Database(path, { readonly: true, fileMustExist: true });
    } catch {
      throw new InputError(
        `no sweep state in ${dir} (expected ${path}); is this a sweep output folder?`,
      );
    }
    db.pragma('busy_timeout = 5000');
    return new SweepState(db, path);
  }

  /** The sweep record, or undefined for a fresh database. */
  sweepInfo(): SweepInfo | undefined {
    const row = this.sql(
      'SELECT sweep_hash, created_at, schema_version FROM sweep WHERE id = 1',
    ).get() as { sweep_hash: string; created_at: number; schema_version: number } | undefined;
    return (
      row && {
        sweepHash: row.sweep_hash,
        createdAt: row.created_at,
        schemaVersion: row.schema_version,
      }
    );
  }

  /**
   * Records which sweep this folder belongs to, or checks it against the recorded one.
   *
   * @param sweepHash hash of the sweep file (or of the plan)
   * @param dir the output folder, for the message
   * @throws InputError when the folder belongs to a different sweep
   */
  claim(sweepHash: string, dir: string): void {
    const info = this.sweepInfo();
    if (!info) {
      this.sql(
        'INSERT INTO sweep (id, sweep_hash, created_at, schema_version) VALUES (1, ?, ?, ?)',
      ).run(sweepHash, Date.now(), SCHEMA_VERSION);
      return;
    }
    if (info.sweepHash !== sweepHash) {
      throw new InputError(
        `output folder ${dir} belongs to a different sweep (its sweep hash is ${info.sweepHash.slice(0, 12)}…, this one is ${sweepHash.slice(0, 12)}…); choose another --out folder or delete ${dir}`,
      );
    }
  }

  /**
   * Makes the tasks table match the plan: inserts the plan's new tasks as pending, refreshes the
   * ids of the others (statuses kept), and deletes rows of tasks no longer in the plan (keys
   * planned by another code version; their artefacts stay on disk and are adopted if that
   * version runs again).
   *
   * @returns the numbers of rows inserted and removed
   */
  syncPlan(tasks: readonly PlannedTask[]): { inserted: number; removed: number } {
    const insert = this.sql(
      `INSERT INTO tasks (key, kind, version, params, deps, ids, status)
       VALUES (@key, @kind, @version, @params, @deps, @ids, 'pending')
       ON CONFLICT (key) DO UPDATE SET ids = excluded.ids`,
    );
    const remove = this.sql('DELETE FROM tasks WHERE key = ?');
    return this.db.transaction(() => {
      const planned = new Set(tasks.map((t) => t.key));
      const existing = (this.sql('SELECT key FROM tasks').all() as { key: string }[]).map(
        (r) => r.key,
      );
      let removed = 0;
      for (const key of existing) {
        if (!planned.has(key)) removed += remove.run(key).changes;
      }
      const before = existing.length - removed;
      for (const t of tasks) {
        insert.run({
          key: t.key,
          kind: t.kind,
          version: t.version,
          params: t.paramsJson,
          deps: JSON.stringify(t.deps),
          ids: JSON.stringify(t.ids),
        });
      }
      return { inserted: this.count() - before, removed };
    })();
  }

  /**
   * Crash recovery at start: tasks left running by a killed coordinator go back to pending, and
   * failed tasks get a fresh try (a rerun is how users retry).
   *
   * @returns how many running and failed tasks were reset
   */
  recover(): { running: number; failed: number } {
    return this.db.transaction(() => {
      const running = this.sql(
        "UPDATE tasks SET status = 'pending', worker = NULL WHERE status = 'running'",
      ).run().changes;
      const failed = this.sql(
        "UPDATE tasks SET status = 'pending', error = NULL WHERE status = 'failed'",
      ).run().changes;
      return { running, failed };
    })();
  }

  /** Every task row. */
  allTasks(): TaskRow[] {
    return (this.sql('SELECT * FROM tasks ORDER BY rowid').all() as RawRow[]).map(toRow);
  }

  /** One task row, or undefined. */
  task(key: string): TaskRow | undefined {
    const raw = this.sql('SELECT * FROM tasks WHERE key = ?').get(key) as RawRow | undefined;
    return raw && toRow(raw);
  }

  /** Number of task rows. */
  count(): number {
    return (this.sql('SELECT COUNT(*) AS n FROM tasks').get() as { n: number }).n;
  }

  /** Marks a task running and counts the attempt. */
  markRunning(key: string, worker: string | null, now = Date.now()): void {
    this.sql(
      "UPDATE tasks SET status = 'running', attempts = attempts + 1, started_at = ?, finished_at = NULL, worker = ?, error = NULL WHERE key = ?",
    ).run(now, worker, key);
  }

  /** Records the worker that picked a running task up. */
  setWorker(key: string, worker: string): void {
    this.sql('UPDATE tasks SET worker = ? WHERE key = ?').run(worker, key);
  }

  /** Marks a task done with its result. */
  markDone(key: string, result: JsonValue, durationMs: number | null, now = Date.now()): void {
    this.sql(
      "UPDATE tasks SET status = 'done', result = ?, error = NULL, finished_at = ?, duration_ms = ? WHERE key = ?",
    ).run(JSON.stringify(result), now, durationMs, key);
  }

  /** Marks a task failed (final) or pending again (to be retried), keeping the error. */
  markFailed(key: string, error: string, final: boolean, now = Date.now()): void {
    this.sql(
      'UPDATE tasks SET status = ?, error = ?, finished_at = ?, result = NULL WHERE key = ?',
    ).run(final ? 'failed' : 'pending', error, now, key);
  }

  /** Marks a done task pending again (its artefact went missing). */
  markPending(key: string): void {
    this.sql(
      "UPDATE tasks SET status = 'pending', result = NULL, finished_at = NULL WHERE key = ?",
    ).run(key);
  }

  /** Closes the database. */
  close(): void {
    this.db.close();
  }
}
