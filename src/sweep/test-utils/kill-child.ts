/**
 * Child process of the kill-safety tests: runs a sweep in the folder given as the first argument
 * on a 2-thread local pool. `kill-child.ts OUT_DIR SEED` runs the synthetic sweep of that seed;
 * `kill-child.ts OUT_DIR --sweep FILE` runs a sweep file over the real stages, as `hrtem sweep`
 * does. Prints `started` once the sweep is under way, `start KIND KEY` and `done KIND KEY` for
 * every task it executes, and a JSON summary at the end. Run with `node --import tsx`.
 */
import { LocalPoolRunner } from '../local-pool-runner.js';
import { planTasks } from '../plan.js';
import { runSweep } from '../run-sweep.js';
import { SYNTHETIC_KINDS_MODULE, syntheticPlan } from './synthetic-kinds.js';

const [outDir, seedOrFlag, sweepFile] = process.argv.slice(2);
// The real stages load TensorFlow.js, so the synthetic mode does not import them.
const real = seedOrFlag === '--sweep' ? await import('./real-sweep.js') : undefined;
const { plan, sweepHash } = real
  ? await real.realSweepPlan(sweepFile)
  : { plan: planTasks(syntheticPlan(Number(seedOrFlag))), sweepHash: undefined };
const runner = new LocalPoolRunner({
  workers: 2,
  registryModules: [real ? real.STAGES_MODULE : SYNTHETIC_KINDS_MODULE],
});
let announced = false;
try {
  const summary = await runSweep({
    outDir,
    plan,
    runner,
    sweepHash,
    onProgress: () => {
      if (!announced) process.stdout.write('started\n');
      announced = true;
    },
    onTaskEvent: (event) => {
      if (event.type === 'start' || event.type === 'done')
        process.stdout.write(`${event.type} ${event.kind} ${event.key}\n`);
    },
  });
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  process.exitCode = summary.failed.length === 0 && summary.done === summary.total ? 0 : 1;
} finally {
  await runner.close();
}
