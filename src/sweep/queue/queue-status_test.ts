/**
 * `readQueueStatus` (behind `hrtem status DIR --queue URL`): waiting, running on which worker,
 * done and failed, while a sweep runs on a private redis-server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatQueueStatus } from '../../cli/queue-cli.js';
import { planTasks } from '../plan.js';
import { SYNTHETIC_KINDS_MODULE } from '../test-utils/synthetic-kinds.js';
import { readQueueStatus } from './queue-status.js';
import { startQueueWorker } from './queue-worker.js';
import { runQueueSweep } from './run-queue-sweep.js';
import { QUEUE_KINDS_MODULE } from './test-utils/queue-kinds.js';
import { redisTestsEnabled, startTestRedis, type TestRedis } from './test-utils/redis-server.js';

const enabled = redisTestsEnabled();
const root = mkdtempSync(join(tmpdir(), 'hrtem-queue-status-'));
let redis: TestRedis;
beforeAll(async () => {
  if (enabled) redis = await startTestRedis();
});
afterAll(async () => {
  await redis?.dispose();
  rmSync(root, { recursive: true, force: true });
});

describe.skipIf(!enabled)('readQueueStatus', () => {
  it('shows tasks waiting, running on their worker, done and failed', async () => {
    const outDir = join(root, 'sweep');
    const connection = { url: redis.url, queueName: 'status' };
    const worker = await startQueueWorker({
      ...connection,
      workdir: outDir,
      root,
      registryModules: [QUEUE_KINDS_MODULE, SYNTHETIC_KINDS_MODULE],
      concurrency: 1,
      name: 'node-a',
    });
    const plan = planTasks([
      { id: 'slow', kind: 'syn-image', params: { seed: 1, n: 64, delayMs: 1500 } },
      { id: 'next', kind: 'syn-image', params: { seed: 2, n: 64, delayMs: 10 } },
      { id: 'bad', kind: 'syn-fail', params: { message: 'no beam' } },
    ]);
    try {
      const sweep = runQueueSweep({ ...connection, outDir, plan, settings: { attempts: 1 } });
      let during = await readQueueStatus(connection);
      for (let i = 0; i < 50 && during.counts.running === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        during = await readQueueStatus(connection);
      }
      expect(during.counts).toMatchObject({ running: 1, waiting: 2 });
      expect(during.running).toMatchObject([
        { key: plan.keyOfId.get('slow'), kind: 'syn-image', worker: 'node-a' },
      ]);
      expect(during.workers).toEqual(['node-a']);
      expect(during.coordinator?.pid).toBe(process.pid);
      const lines = formatQueueStatus(during);
      expect(lines[0]).toBe(
        'queue status: 2 waiting, 1 running, 0 retrying later, 0 done, 0 failed',
      );
      expect(lines).toContain(`  workers (1): node-a`);
      expect(lines.some((l) => /^ {2}running: syn-image [0-9a-f]{12} on node-a for /.test(l))).toBe(
        true,
      );

      const summary = await sweep;
      expect(summary).toMatchObject({ done: 2, failed: [{ error: 'no beam' }] });
      const after = await readQueueStatus(connection);
      expect(after.counts).toMatchObject({ waiting: 0, running: 0, done: 2, failed: 1 });
      expect(after.failed).toMatchObject([{ kind: 'syn-fail', error: 'no beam', attemptsMade: 1 }]);
      expect(after.coordinator).toBeUndefined();
    } finally {
      await worker.close();
    }
  });
});
