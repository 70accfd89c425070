/**
 * Executes one task where a runner placed it (a worker thread, a worker process on another
 * machine, or the coordinator itself): creates a temporary folder, calls the kind's `run`, and
 * commits the folder as the task's artefact. It never touches the state database; the
 * coordinator records the returned result.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../core/rng.js';
import { ArtefactStore, MANIFEST_FILE } from './artefact-store.js';
import { canonicalJson, type JsonValue } from './canonical-json.js';
import { getTaskKind, listTaskKinds, type TaskInput, type TaskProgress } from './task-kind.js';

/** Everything a runner needs to execute one task; plain JSON, so it can cross threads or queues. */
export interface TaskRequest {
  key: string;
  kind: string;
  /** Kind version the coordinator planned with; a worker with another version refuses. */
  version: string;
  params: JsonValue;
  /** Finished inputs in dependency order. */
  inputs: TaskInput[];
  /** Root of the artefact store (absolute). */
  artefactRoot: string;
  /** Seed derived from the key. */
  seed: number;
}

/** What a task execution returns to the coordinator. */
export interface TaskOutcome {
  result: JsonValue;
  /** Wall time of `run` plus the commit, ms. */
  durationMs: number;
}

/** The 32-bit seed a task gets: the first 8 hex digits of its key. */
export function seedOfKey(key: string): number {
  return Number.parseInt(key.slice(0, 8), 16) >>> 0;
}

/**
 * Runs a task with the kind registered in this thread and commits its artefact.
 *
 * @throws Error when the kind is unknown here or has another version, when `run` throws, or when
 *   its result is not plain JSON; the temporary folder is removed in every failure case
 */
export async function executeTask(
  request: TaskRequest,
  onProgress: (progress: TaskProgress) => void = () => {},
): Promise<TaskOutcome> {
  const kind = getTaskKind(request.kind);
  if (!kind) {
    throw new Error(
      `task kind '${request.kind}' is not registered in this worker (registered: ${listTaskKinds().join(', ') || 'none'}); check the runner's registryModules`,
    );
  }
  if (kind.version !== request.version) {
    throw new Error(
      `task kind '${request.kind}' has version ${kind.version} in this worker but the sweep was planned with version ${request.version}; run the same code version everywhere`,
    );
  }
  const store = new ArtefactStore(request.artefactRoot);
  const started = performance.now();
  const tempDir = store.createTemp(request.key);
  try {
    const result = await kind.run(request.params, request.inputs, {
      outDir: tempDir,
      seed: request.seed,
      rng: new Rng(request.seed),
      key: request.key,
      onProgress,
    });
    const resultJson = canonicalJson(
      result,
      `result of ${request.kind} task ${request.key.slice(0, 12)}`,
    );
    if (existsSync(join(tempDir, MANIFEST_FILE))) {
      throw new Error(
        `task kind '${request.kind}' wrote ${MANIFEST_FILE}, a name the sweep engine reserves`,
      );
    }
    store.commit(tempDir, {
      key: request.key,
      kind: request.kind,
      version: request.version,
      params: request.params,
      inputs: request.inputs.map((input) => input.key),
      seed: request.seed,
      result: JSON.parse(resultJson) as JsonValue,
    });
    return { result: JSON.parse(resultJson) as JsonValue, durationMs: performance.now() - started };
  } catch (error) {
    store.discardTemp(tempDir);
    throw error;
  }
}
