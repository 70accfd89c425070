/**
 * A read-only summary of a sweep folder's state database, for `hrtem status DIR`. Safe to call
 * while the sweep runs (WAL readers do not block the writer).
 */
import type { JsonValue } from './canonical-json.js';
import { type SweepInfo, SweepState, type TaskStatus } from './state.js';

/** Counts of one kind (or of all tasks) by status. */
export type StatusCounts = Record<TaskStatus, number> & { total: number };

/** What `hrtem status` prints. */
export interface SweepStatusReport {
  sweep: SweepInfo | undefined;
  totals: StatusCounts;
  /** Counts per kind, kinds sorted by name. */
  byKind: { kind: string; counts: StatusCounts }[];
  /** Running tasks with their worker and elapsed time (ms since start). */
  running: { key: string; kind: string; ids: string[]; worker: string | null; elapsedMs: number }[];
  /** Failed tasks with their last error. */
  failed: { key: string; kind: string; ids: string[]; attempts: number; error: string }[];
  /** Pending tasks whose last attempt failed and that will be retried. */
  retrying: { key: string; kind: string; ids: string[]; attempts: number; error: string }[];
  /** Sum of recorded task durations, ms. */
  taskTimeMs: number;
}

const emptyCounts = (): StatusCounts => ({ total: 0, pending: 0, running: 0, done: 0, failed: 0 });

/**
 * Reads the status of the sweep in `dir`.
 *
 * @param dir sweep output folder (holds state.sqlite)
 * @param now current Unix time, ms (for elapsed times)
 * @throws InputError when the folder holds no sweep state
 */
export function readSweepStatus(dir: string, now = Date.now()): SweepStatusReport {
  const state = SweepState.openReadOnly(dir);
  try {
    const sweep = state.sweepInfo();
    const totals = emptyCounts();
    const kinds = new Map<string, StatusCounts>();
    const rows = state.db
      .prepare('SELECT kind, status, COUNT(*) AS n FROM tasks GROUP BY kind, status')
      .all() as { kind: string; status: TaskStatus; n: number }[];
    for (const { kind, status, n } of rows) {
      let counts = kinds.get(kind);
      if (!counts) {
        counts = emptyCounts();
        kinds.set(kind, counts);
      }
      counts[status] += n;
      counts.total += n;
      totals[status] += n;
      totals.total += n;
    }
    const detail = (where: string) =>
      state.db
        .prepare(
          `SELECT key, kind, ids, worker, started_at, attempts, error FROM tasks WHERE ${where} ORDER BY started_at`,
        )
        .all() as {
        key: string;
        kind: string;
        ids: string;
        worker: string | null;
        started_at: number | null;
        attempts: number;
        error: string | null;
      }[];
    const ids = (text: string) => JSON.parse(text) as string[];
    const running = detail("status = 'running'").map((r) => ({
      key: r.key,
      kind: r.kind,
      ids: ids(r.ids),
      worker: r.worker,
      elapsedMs: r.started_at === null ? 0 : now - r.started_at,
    }));
    const withError = (r: {
      key: string;
      kind: string;
      ids: string;
      attempts: number;
      error: string | null;
    }) => ({
      key: r.key,
      kind: r.kind,
      ids: ids(r.ids),
      attempts: r.attempts,
      error: r.error ?? '',
    });
    const failed = detail("status = 'failed'").map(withError);
    const retrying = detail("status = 'pending' AND error IS NOT NULL").map(withError);
    const time = state.db
      .prepare("SELECT SUM(duration_ms) AS t FROM tasks WHERE status = 'done'")
      .get() as {
      t: number | null;
    };
    const byKind = [...kinds.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([kind, counts]) => ({ kind, counts }));
    return { sweep, totals, byKind, running, failed, retrying, taskTimeMs: time.t ?? 0 };
  } finally {
    state.close();
  }
}

/** Results of the done tasks of one kind, keyed by task key (for the analysis stage). */
export function readResults(
  dir: string,
  kind: string,
): Map<string, { ids: string[]; result: JsonValue }> {
  const state = SweepState.openReadOnly(dir);
  try {
    const rows = state.db
      .prepare(
        "SELECT key, ids, result FROM tasks WHERE kind = ? AND status = 'done' ORDER BY rowid",
      )
      .all(kind) as { key: string; ids: string; result: string }[];
    return new Map(
      rows.map((r) => [
        r.key,
        { ids: JSON.parse(r.ids) as string[], result: JSON.parse(r.result) as JsonValue },
      ]),
    );
  } finally {
    state.close();
  }
}
