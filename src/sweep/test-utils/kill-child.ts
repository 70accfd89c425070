/**
 * Child process of the kill-safety test: runs the synthetic sweep in the folder given as the first
 * argument on a 2-thread local pool, prints `started` once the sweep is under way and a JSON
 * summary at the end. Run with `node --import tsx kill-child.ts OUT_DIR SEED`.
 */
import { LocalPoolRunner } from '../local-pool-runner.js';
import { planTasks } from '../plan.js';
import { runSweep } from '../run-sweep.js';
import { SYNTHETIC_KINDS_MODULE, syntheticPlan } from './synthetic-kinds.js';

const [outDir, seedText] = process.argv.slice(2);
const plan = planTasks(syntheticPlan(Number(seedText)));
const runner = new LocalPoolRunner({ workers: 2, registryModules: [SYNTHETIC_KINDS_MODULE] });
let announced = false;
try {
  const summary = await runSweep({
    outDir,
    plan,
    runner,
    onProgress: () => {
      if (!announced) process.stdout.write('started\n');
      announced = true;
    },
  });
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  process.exitCode = summary.failed.length === 0 && summary.done === summary.total ? 0 : 1;
} finally {
  await runner.close();
}
