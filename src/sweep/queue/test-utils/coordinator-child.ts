/**
 * A queue coordinator process for the tests: `node --import tsx coordinator-child.ts OUT_DIR
 * URL QUEUE PLAN`, where PLAN is a seed (the synthetic queue sweep of that seed) or the path of
 * a sweep file (its study over the real stages). Prints one `done KEY` line per finished task
 * and the JSON summary at the end.
 */
import { planTasks } from '../../plan.js';
import { runQueueSweep } from '../run-queue-sweep.js';
import { queuePlan } from './queue-kinds.js';

const [outDir, url, queueName, planText] = process.argv.slice(2);
// The real stages load TensorFlow.js, so a synthetic plan does not import them.
const { plan, sweepHash } = /^\d+$/.test(planText)
  ? { plan: planTasks(queuePlan(Number(planText))), sweepHash: undefined }
  : await (await import('../../test-utils/real-sweep.js')).realSweepPlan(planText);
const summary = await runQueueSweep({
  url,
  queueName,
  outDir,
  plan,
  sweepHash,
  reconcileIntervalMs: 1000,
  settings: { attempts: 3, backoffMs: 200 },
  onTaskEvent: (event) => {
    if (event.type === 'done' || event.type === 'reused') {
      process.stdout.write(`${event.type} ${event.key}\n`);
    }
  },
});
process.stdout.write(`${JSON.stringify(summary)}\n`);
process.exitCode = summary.done === summary.total ? 0 : 1;
