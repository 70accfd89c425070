/**
 * A queue coordinator process for the tests: `node --import tsx coordinator-child.ts OUT_DIR
 * URL QUEUE SEED`. Plans the synthetic queue sweep, prints one `done KEY` line per finished
 * task and the JSON summary at the end.
 */
import { planTasks } from '../../plan.js';
import { runQueueSweep } from '../run-queue-sweep.js';
import { queuePlan } from './queue-kinds.js';

const [outDir, url, queueName, seedText] = process.argv.slice(2);
const plan = planTasks(queuePlan(Number(seedText)));
const summary = await runQueueSweep({
  url,
  queueName,
  outDir,
  plan,
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
