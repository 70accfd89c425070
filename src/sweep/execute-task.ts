/**
 * Executes one task where a runner placed it (a worker thread, a worker process on another
 * machine, or the coordinator itself): creates a temporary folder, calls the kind's `run`, and
 * commits the folder as the task's artefact. It never touches the state database; the
 * coordinator records the returned result.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
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

const KEY = /^[0-9a-f]{64}$/;
const KIND = /^[a-z][a-z0-9-]{0,63}$/;

/**
 * Checks that a value received from another thread or process (a queue payload) is a well-formed
 * task request before a worker acts on it. Nothing in a request is executed as code: the kind
 * name selects a registered function.
 *
 * @param value the received payload
 * @param allowedRoot when given, the artefact root and every input folder must lie inside it
 * @returns the value typed as a TaskRequest
 * @throws TypeError naming the first malformed field
 */
export function parseTaskRequest(value: unknown, allowedRoot?: string): TaskRequest {
  const fail = (field: string, rule: string, got: unknown): never => {
    throw new TypeError(
      `task request: ${field} must be ${rule}, got ${JSON.stringify(got)?.slice(0, 80)}`,
    );
  };
  if (typeof value !== 'object' || value === null) fail('the payload', 'an object', value);
  const r = value as Record<string, unknown>;
  if (typeof r.key !== 'string' || !KEY.test(r.key)) fail('key', '64 lower-case hex digits', r.key);
  if (typeof r.kind !== 'string' || !KIND.test(r.kind)) fail('kind', 'a task kind name', r.kind);
  if (typeof r.version !== 'string' || r.version.length === 0)
    fail('version', 'a non-empty string', r.version);
  canonicalJson(r.params, 'task request: params');
  if (!Number.isInteger(r.seed) || (r.seed as number) < 0 || (r.seed as number) > 0xffffffff) {
    fail('seed', 'an integer in [0, 2^32 − 1]', r.seed);
  }
  const inside = (field: string, path: unknown) => {
    if (typeof path !== 'string' || !isAbsolute(path)) fail(field, 'an absolute path', path);
    if (allowedRoot !== undefined) {
      const rel = relative(resolve(allowedRoot), resolve(path as string));
      if (rel.startsWith('..') || isAbsolute(rel)) fail(field, `inside ${allowedRoot}`, path);
    }
  };
  inside('artefactRoot', r.artefactRoot);
  if (!Array.isArray(r.inputs)) fail('inputs', 'an array', r.inputs);
  (r.inputs as unknown[]).forEach((input, i) => {
    const item = input as Record<string, unknown>;
    if (typeof item !== 'object' || item === null) fail(`inputs[${i}]`, 'an object', input);
    if (typeof item.key !== 'string' || !KEY.test(item.key))
      fail(`inputs[${i}].key`, '64 hex digits', item.key);
    if (typeof item.kind !== 'string' || !KIND.test(item.kind))
      fail(`inputs[${i}].kind`, 'a task kind name', item.kind);
    inside(`inputs[${i}].dir`, item.dir);
    canonicalJson(item.result, `task request: inputs[${i}].result`);
  });
  return value as TaskRequest;
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
