/**
 * The task-kind registry. A stage makes its work schedulable by registering a kind: a name, a
 * version (bump it when the kind's output for the same parameters changes) and a `run` function.
 * Workers build the same registry by importing the modules named in the runner's
 * `registryModules` option, so a kind must be registered at the top level of such a module.
 */
import type { Rng } from '../core/rng.js';
import type { JsonValue } from './canonical-json.js';

/** One finished input of a task: the producing task's key, kind and artefact folder. */
export interface TaskInput {
  /** Content hash of the producing task (64 hex digits). */
  key: string;
  /** Kind of the producing task. */
  kind: string;
  /** Absolute path of its complete artefact folder (read only). */
  dir: string;
  /** The small JSON result its `run` returned. */
  result: JsonValue;
}

/** Progress reported from inside a running task. */
export interface TaskProgress {
  stage: string;
  done: number;
  total: number;
}

/** What a task's `run` gets besides its parameters and inputs. */
export interface TaskContext {
  /** Empty temporary folder for the task's files; renamed into place after `run` resolves. */
  outDir: string;
  /** Seed derived from the task key (32-bit unsigned), stable across reruns. */
  seed: number;
  /** A generator seeded with `seed`. */
  rng: Rng;
  /** The task's key. */
  key: string;
  /** Reports progress inside the task (optional to call). */
  onProgress: (progress: TaskProgress) => void;
}

/** A schedulable kind of task. */
export interface TaskKind<P extends JsonValue = JsonValue, R extends JsonValue = JsonValue> {
  /** Name, lower-case letters, digits and hyphens, starting with a letter (used as a folder name). */
  kind: string;
  /** Version of the kind's output; part of every key, so bumping it invalidates cached artefacts. */
  version: string;
  /**
   * Does the work: writes files into `ctx.outDir` and resolves to a small JSON result (stored in
   * the state database and in the artefact's `_task.json`). Must be deterministic given
   * `params`, the inputs and `ctx.seed`, so a rerun after a crash reproduces the same bytes.
   */
  run(params: P, inputs: TaskInput[], ctx: TaskContext): Promise<R>;
}

const KIND_NAME = /^[a-z][a-z0-9-]{0,63}$/;
const registry = new Map<string, TaskKind>();

/**
 * Registers a task kind in this thread's registry. Registering the same object twice is a no-op
 * (modules can be imported more than once); a different kind with the same name throws.
 *
 * @throws TypeError if the name is not a lower-case identifier, the version is empty, or `run` is
 *   not a function; Error if another kind of that name is registered already
 */
export function registerTaskKind<P extends JsonValue, R extends JsonValue>(
  kind: TaskKind<P, R>,
): void {
  if (typeof kind.kind !== 'string' || !KIND_NAME.test(kind.kind)) {
    throw new TypeError(
      `registerTaskKind: kind must match ${KIND_NAME} (lower-case letters, digits, hyphens), got ${JSON.stringify(kind.kind)}`,
    );
  }
  if (typeof kind.version !== 'string' || kind.version.length === 0) {
    throw new TypeError(
      `registerTaskKind: version of kind '${kind.kind}' must be a non-empty string`,
    );
  }
  if (typeof kind.run !== 'function') {
    throw new TypeError(`registerTaskKind: run of kind '${kind.kind}' must be a function`);
  }
  const existing = registry.get(kind.kind);
  if (existing && existing !== (kind as unknown as TaskKind)) {
    if (existing.version === kind.version && existing.run === kind.run) return;
    throw new Error(
      `registerTaskKind: kind '${kind.kind}' is registered already (version ${existing.version}); each kind name must be unique`,
    );
  }
  registry.set(kind.kind, kind as unknown as TaskKind);
}

/** The registered kind of that name, or undefined. */
export function getTaskKind(name: string): TaskKind | undefined {
  return registry.get(name);
}

/** Names of all registered kinds, sorted. */
export function listTaskKinds(): string[] {
  return [...registry.keys()].sort();
}

/**
 * Imports each registry module (absolute path or file URL) so its kinds register in this thread.
 *
 * @throws Error naming the module when an import fails
 */
export async function loadRegistryModules(modules: readonly string[]): Promise<void> {
  const { pathToFileURL } = await import('node:url');
  for (const spec of modules) {
    const url = spec.startsWith('file:') ? spec : pathToFileURL(spec).href;
    try {
      await import(url);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`could not load task kinds from ${spec}: ${message}`);
    }
  }
}
