/**
 * The planner: turns a list of task specs (ids, kinds, parameters, dependencies by id) into the
 * sweep's task graph, keyed by content hash. Two specs that would compute the same thing (same
 * kind and version, same canonical parameters, same inputs) share one key and run once.
 *
 * Key = SHA-256 of the JSON array [salt, kind, version, canonical params, input keys in order].
 */
import { InputError } from '../core/errors.js';
import { canonicalJson, type JsonValue, sha256Hex } from './canonical-json.js';
import { getTaskKind, listTaskKinds } from './task-kind.js';

/**
 * Version of the engine's hashing and artefact layout. It salts every key, so changing it
 * invalidates every cached artefact at once.
 */
export const SWEEP_ENGINE_VERSION = '1';

/** One task as a sweep file's planner writes it. */
export interface TaskSpec {
  /** Unique id within the plan (a readable name, e.g. `image/defocus-10/0003`). */
  id: string;
  /** Registered task kind. */
  kind: string;
  /** JSON parameters. */
  params: JsonValue;
  /** Ids of the tasks whose outputs this task reads, in the order `run` receives them. */
  deps?: string[];
}

/** One task of the planned graph. */
export interface PlannedTask {
  /** Content hash (64 hex digits). */
  key: string;
  kind: string;
  /** The kind's version when planned. */
  version: string;
  params: JsonValue;
  /** Canonical JSON of `params`. */
  paramsJson: string;
  /** Keys of the input tasks, in order. */
  deps: string[];
  /** Every spec id that maps to this key. */
  ids: string[];
}

/** A planned sweep: tasks in topological order (inputs before the tasks that read them). */
export interface Plan {
  tasks: PlannedTask[];
  /** Task by key. */
  byKey: Map<string, PlannedTask>;
  /** Key of each spec id. */
  keyOfId: Map<string, string>;
  /** Salt that went into every key. */
  salt: string;
  /** Hash of all keys, identifying the plan as a whole. */
  planHash: string;
}

/** Options of {@link planTasks}. */
export interface PlanOptions {
  /** Extra code-version salt mixed into every key (default: {@link SWEEP_ENGINE_VERSION}). */
  salt?: string;
}

/**
 * Builds the task graph: checks ids, kinds and dependencies, orders the tasks topologically and
 * merges tasks with equal keys.
 *
 * @param specs task specs; ids unique; kinds registered in this thread
 * @returns the plan, tasks in topological order (ties in spec order)
 * @throws InputError for a duplicate id, an unknown kind, a dependency on an id not in the plan,
 *   or a dependency cycle (the message lists the cycle)
 * @throws TypeError when params are not plain JSON (the message names the path)
 * @example
 * const plan = planTasks([
 *   { id: 'a', kind: 'structure', params: { seed: 1 } },
 *   { id: 'b', kind: 'exit-wave', params: { kV: 300 }, deps: ['a'] },
 * ]);
 */
export function planTasks(specs: readonly TaskSpec[], options: PlanOptions = {}): Plan {
  const salt = `hrtem-sweep/${SWEEP_ENGINE_VERSION}/${options.salt ?? ''}`;
  const byId = indexSpecs(specs);
  const order = topologicalOrder(specs, byId);

  const keyOfId = new Map<string, string>();
  const byKey = new Map<string, PlannedTask>();
  const tasks: PlannedTask[] = [];
  for (const spec of order) {
    const version = getTaskKind(spec.kind)!.version;
    const paramsJson = canonicalJson(spec.params, `params of task '${spec.id}'`);
    const deps = (spec.deps ?? []).map((id) => keyOfId.get(id)!);
    const key = sha256Hex(JSON.stringify([salt, spec.kind, version, paramsJson, deps]));
    keyOfId.set(spec.id, key);
    const existing = byKey.get(key);
    if (existing) {
      existing.ids.push(spec.id);
      continue;
    }
    const params = JSON.parse(paramsJson) as JsonValue;
    const task: PlannedTask = {
      key,
      kind: spec.kind,
      version,
      params,
      paramsJson,
      deps,
      ids: [spec.id],
    };
    byKey.set(key, task);
    tasks.push(task);
  }
  const planHash = sha256Hex(tasks.map((t) => t.key).join('\n'));
  return { tasks, byKey, keyOfId, salt, planHash };
}

function indexSpecs(specs: readonly TaskSpec[]): Map<string, TaskSpec> {
  if (!Array.isArray(specs)) {
    throw new TypeError(`planTasks: specs must be an array of task specs, got ${typeof specs}`);
  }
  const byId = new Map<string, TaskSpec>();
  for (const spec of specs) {
    if (typeof spec?.id !== 'string' || spec.id.length === 0) {
      throw new TypeError(
        `planTasks: every task needs a non-empty string id, got ${JSON.stringify(spec?.id)}`,
      );
    }
    if (byId.has(spec.id))
      throw new InputError(`plan: task id '${spec.id}' is used twice; ids must be unique`);
    if (!getTaskKind(spec.kind)) {
      const known = listTaskKinds();
      throw new InputError(
        `plan: task '${spec.id}' has unknown kind '${spec.kind}'; registered kinds: ${known.length ? known.join(', ') : '(none)'}`,
      );
    }
    if (spec.deps !== undefined && !Array.isArray(spec.deps)) {
      throw new TypeError(`plan: deps of task '${spec.id}' must be an array of task ids`);
    }
    byId.set(spec.id, spec);
  }
  for (const spec of specs) {
    for (const dep of spec.deps ?? []) {
      if (!byId.has(dep)) {
        throw new InputError(
          `plan: task '${spec.id}' depends on '${dep}', which is not in the plan`,
        );
      }
    }
  }
  return byId;
}

/** Depth-first topological sort in spec order; reports the first cycle found. */
function topologicalOrder(specs: readonly TaskSpec[], byId: Map<string, TaskSpec>): TaskSpec[] {
  const state = new Map<string, 1 | 2>(); // 1 = on the stack, 2 = finished
  const order: TaskSpec[] = [];
  for (const root of specs) {
    if (state.has(root.id)) continue;
    // Iterative DFS: deep chains (thousands of tasks) must not overflow the call stack.
    const stack: { spec: TaskSpec; next: number }[] = [{ spec: root, next: 0 }];
    state.set(root.id, 1);
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const deps = top.spec.deps ?? [];
      if (top.next < deps.length) {
        const dep = byId.get(deps[top.next++])!;
        const seen = state.get(dep.id);
        if (seen === 1) {
          const start = stack.findIndex((f) => f.spec.id === dep.id);
          const cycle = [...stack.slice(start).map((f) => f.spec.id), dep.id];
          throw new InputError(
            `plan: dependency cycle ${cycle.join(' → ')} (→ reads 'depends on'); remove one of these dependencies`,
          );
        }
        if (seen === undefined) {
          state.set(dep.id, 1);
          stack.push({ spec: dep, next: 0 });
        }
      } else {
        state.set(top.spec.id, 2);
        order.push(top.spec);
        stack.pop();
      }
    }
  }
  return order;
}
