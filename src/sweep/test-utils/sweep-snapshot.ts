/**
 * What the kill tests compare between a sweep folder and an uninterrupted reference run: the
 * bytes of every committed artefact file and the result recorded for every task in the state
 * database. Wall times live only in the database's timing columns (`started_at`, `finished_at`,
 * `duration_ms`, `attempts`, `worker`), which are not compared; no artefact file is exempt.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { expect } from 'vitest';
import { ArtefactStore, MANIFEST_FILE } from '../artefact-store.js';
import type { JsonValue } from '../canonical-json.js';
import { SweepState, type TaskRow } from '../state.js';

/** Every file under `outDir/artefacts` except `.tmp`, as path relative to it → bytes. */
export function artefactFiles(outDir: string): Map<string, Buffer> {
  const base = join(outDir, 'artefacts');
  const files = new Map<string, Buffer>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === '.tmp') continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else files.set(relative(base, path), readFileSync(path));
    }
  };
  if (existsSync(base)) walk(base);
  return files;
}

/** A finished sweep's artefact bytes and recorded results. */
export interface SweepSnapshot {
  files: Map<string, Buffer>;
  /** Task key → result column. */
  results: Map<string, JsonValue | null>;
}

/** Reads every task row of a sweep folder (read-only; the database is closed again). */
export function taskRows(outDir: string): TaskRow[] {
  const state = SweepState.openReadOnly(outDir);
  try {
    return state.allTasks();
  } finally {
    state.close();
  }
}

/** Takes the snapshot of a finished sweep folder. */
export function snapshotSweep(outDir: string): SweepSnapshot {
  const rows = taskRows(outDir);
  return {
    files: artefactFiles(outDir),
    results: new Map(rows.map((row) => [row.key, row.result])),
  };
}

/**
 * Asserts that a sweep folder holds exactly one done row per planned task, each with the
 * reference's result, the reference's artefact files byte for byte (no more, no fewer), and no
 * temporary folder.
 *
 * @returns the task rows, for further checks (attempts, kinds)
 */
export function expectSameSweep(
  outDir: string,
  reference: SweepSnapshot,
  plannedKeys: string[],
): TaskRow[] {
  const state = SweepState.openReadOnly(outDir);
  let duplicates: unknown[];
  try {
    duplicates = state.db
      .prepare('SELECT key, COUNT(*) AS n FROM tasks GROUP BY key HAVING n > 1')
      .all();
  } finally {
    state.close();
  }
  expect(duplicates).toEqual([]);
  const rows = taskRows(outDir);
  expect(rows.map((r) => r.key).sort()).toEqual([...plannedKeys].sort());
  for (const row of rows) {
    expect(row.status, `${row.kind} ${row.key}`).toBe('done');
    expect(row.result, `${row.kind} ${row.key}`).toEqual(reference.results.get(row.key));
  }
  const files = artefactFiles(outDir);
  expect([...files.keys()].sort()).toEqual([...reference.files.keys()].sort());
  for (const [path, bytes] of reference.files)
    expect(files.get(path)!.equals(bytes), path).toBe(true);
  expect(new ArtefactStore(join(outDir, 'artefacts')).listTemps()).toEqual([]);
  return rows;
}

/**
 * Asserts what a killed sweep may leave in place: only complete, final artefacts. Every visible
 * file equals the reference's, and every artefact folder (`kind/key`) holds its manifest, which
 * the store writes just before the folder is renamed into place.
 */
export function expectOnlyCompleteArtefacts(outDir: string, reference: SweepSnapshot): void {
  const visible = artefactFiles(outDir);
  for (const [path, bytes] of visible) {
    const expected = reference.files.get(path);
    expect(expected !== undefined && bytes.equals(expected), path).toBe(true);
  }
  const folders = new Set([...visible.keys()].map((p) => p.split(sep).slice(0, 2).join(sep)));
  for (const folder of folders) expect(visible.has(join(folder, MANIFEST_FILE)), folder).toBe(true);
}
