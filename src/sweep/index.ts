/**
 * The sweep engine: content-hashed tasks, a planner, a crash-safe state database, task runners
 * (a worker-thread pool now, a distributed queue later) and the out-of-distribution analysis
 * helpers. Stages plug in by registering task kinds; see docs/sweep-engine.md.
 */
export * from './analysis.js';
export { type ArtefactManifest, ArtefactStore, MANIFEST_FILE } from './artefact-store.js';
export { canonicalJson, type JsonValue, sha256Hex } from './canonical-json.js';
export { executeTask, parseTaskRequest, seedOfKey } from './execute-task.js';
export { LocalPoolRunner, type LocalPoolRunnerOptions } from './local-pool-runner.js';
export {
  type Plan,
  type PlannedTask,
  type PlanOptions,
  planTasks,
  SWEEP_ENGINE_VERSION,
  type TaskSpec,
} from './plan.js';
export {
  type FailedTask,
  type KindCounts,
  type RunSweepOptions,
  runSweep,
  type SweepProgress,
  type SweepSummary,
  type SweepTaskEvent,
} from './run-sweep.js';
export {
  InProcessRunner,
  type InProcessRunnerOptions,
  type TaskCallbacks,
  type TaskOutcome,
  type TaskRequest,
  type TaskRunner,
} from './runner.js';
export { STATE_FILE, type SweepInfo, SweepState, type TaskRow, type TaskStatus } from './state.js';
export {
  readResults,
  readSweepStatus,
  type StatusCounts,
  type SweepStatusReport,
} from './status.js';
export {
  getTaskKind,
  listTaskKinds,
  loadRegistryModules,
  registerTaskKind,
  type TaskContext,
  type TaskInput,
  type TaskKind,
  type TaskProgress,
} from './task-kind.js';
