/**
 * Bad input for the queue (issue 8): unreachable or silent Redis, wrong or missing password,
 * forged payloads (unknown kind, code in place of parameters), a worker of another code
 * version, a workdir outside the root, and a task that fails every attempt.
 */

import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, QueueEvents } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../core/errors.js';
import { seedOfKey } from '../execute-task.js';
import { planTasks } from '../plan.js';
import { listTaskKinds } from '../task-kind.js';
import { SYNTHETIC_KINDS_MODULE } from '../test-utils/synthetic-kinds.js';
import { BullMqRunner } from './bullmq-runner.js';
import { bullConnection, checkRedis } from './connection.js';
import { packageVersion } from './package-version.js';
import { checkWorkdir, startQueueWorker } from './queue-worker.js';
import { runQueueSweep } from './run-queue-sweep.js';
import { QUEUE_KINDS_MODULE } from './test-utils/queue-kinds.js';
import {
  makeTestCertificates,
  redisTestsEnabled,
  startTestRedis,
  type TestRedis,
} from './test-utils/redis-server.js';

const enabled = redisTestsEnabled();
const root = mkdtempSync(join(tmpdir(), 'hrtem-queue-bad-'));
const PASSWORD = 'pa55-word';
let redis: TestRedis;
let secured: TestRedis;
const FAST = { lockDurationMs: 2000, stalledIntervalMs: 1000, maxStalledCount: 1 };
const modules = [QUEUE_KINDS_MODULE, SYNTHETIC_KINDS_MODULE];

beforeAll(async () => {
  if (!enabled) return;
  [redis, secured] = await Promise.all([startTestRedis(), startTestRedis({ password: PASSWORD })]);
});
afterAll(async () => {
  await Promise.all([redis?.dispose(), secured?.dispose()]);
  rmSync(root, { recursive: true, force: true });
});

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
}

async function timed<T>(promise: Promise<T>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now();
  try {
    await promise;
    return { error: undefined, ms: performance.now() - started };
  } catch (error) {
    return { error, ms: performance.now() - started };
  }
}

function rawJob(kind: string, extra: Record<string, unknown> = {}) {
  const key = 'ab'.repeat(32);
  return {
    key,
    data: {
      v: 1,
      key,
      kind,
      version: '1',
      params: {},
      inputs: [],
      seed: seedOfKey(key),
      code: { package: packageVersion(), engine: '1', kinds: { [kind]: '1' } },
      sweep: 'test',
      ...extra,
    },
  };
}

describe.skipIf(!enabled)('queue bad input', () => {
  it('reports an unreachable Redis within seconds', async () => {
    const server = createServer();
    const port = await listen(server);
    await new Promise((resolve) => server.close(resolve));
    const url = `redis://127.0.0.1:${port}`;
    const runner = timed(
      BullMqRunner.create({
        url,
        artefactRoot: root,
        sweepHash: 'x',
        kinds: [],
        connectTimeoutMs: 2000,
      }),
    );
    const worker = timed(
      startQueueWorker({ url, workdir: root, root, registryModules: [], concurrency: 1 }),
    );
    for (const { error, ms } of await Promise.all([runner, worker])) {
      expect(error).toBeInstanceOf(InputError);
      expect((error as Error).message).toBe(
        `queue: could not connect to Redis at ${url}: connection refused; is redis-server running there and is the port right?`,
      );
      expect(ms).toBeLessThan(3000);
    }
  });

  it('reports a server that accepts but never answers after connectTimeoutMs', async () => {
    const sockets: import('node:net').Socket[] = [];
    const server = createServer((socket) => sockets.push(socket));
    const port = await listen(server);
    const { error, ms } = await timed(
      checkRedis({ url: `redis://127.0.0.1:${port}`, connectTimeoutMs: 800 }),
    );
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(/did not answer \(no answer within 800 ms\)/);
    expect(ms).toBeLessThan(2500);
  });

  it('reports a wrong or missing password without printing it', async () => {
    const wrong = `redis://:not-the-password@127.0.0.1:${secured.port}`;
    const { error } = await timed(checkRedis({ url: wrong }));
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(/refused the password/);
    expect((error as Error).message).toContain(`redis://:***@127.0.0.1:${secured.port}`);
    expect((error as Error).message).not.toContain('not-the-password');
    const missing = await timed(checkRedis({ url: `redis://127.0.0.1:${secured.port}` }));
    expect((missing.error as Error).message).toMatch(/requires a password/);
  });

  it('runs a sweep through a password-protected Redis', async () => {
    const outDir = join(root, 'secured');
    const worker = await startQueueWorker({
      url: secured.url,
      queueName: 'secured',
      workdir: outDir,
      root,
      registryModules: modules,
      concurrency: 2,
      settings: FAST,
    });
    const plan = planTasks([
      { id: 'a', kind: 'syn-image', params: { seed: 1, n: 64, delayMs: 10 } },
      { id: 'b', kind: 'syn-train', params: { rate: 1, delayMs: 10 }, deps: ['a'] },
    ]);
    try {
      const summary = await runQueueSweep({ url: secured.url, queueName: 'secured', outDir, plan });
      expect(summary).toMatchObject({ total: 2, done: 2, failed: [] });
    } finally {
      await worker.close();
    }
  });

  it('passes TLS options through: a sweep over rediss:// with --tls-ca, refused without it', async () => {
    const certDir = join(root, 'certs');
    mkdirSync(certDir, { recursive: true });
    const tls = makeTestCertificates(certDir);
    const server = await startTestRedis({ tls });
    try {
      const untrusted = await timed(checkRedis({ url: server.url, connectTimeoutMs: 2000 }));
      expect(untrusted.error).toBeInstanceOf(InputError);
      expect((untrusted.error as Error).message).toMatch(
        /^queue: TLS handshake with Redis at rediss:\/\/127\.0\.0\.1:\d+ failed \(.*certificate.*\); check --tls-ca and the server name$/,
      );
      const outDir = join(root, 'tls');
      const connection = { url: server.url, queueName: 'tls', tlsCaFile: tls.caFile };
      const worker = await startQueueWorker({
        ...connection,
        workdir: outDir,
        root,
        registryModules: modules,
        concurrency: 1,
        settings: FAST,
      });
      try {
        const plan = planTasks([
          { id: 'a', kind: 'syn-image', params: { seed: 4, n: 64, delayMs: 10 } },
        ]);
        const summary = await runQueueSweep({ ...connection, outDir, plan });
        expect(summary).toMatchObject({ total: 1, done: 1, failed: [] });
      } finally {
        await worker.close();
      }
    } finally {
      await server.dispose();
    }
  });

  it('fails forged payloads (unknown kind, code as params) without running them or retrying', async () => {
    const connection = bullConnection({ url: redis.url });
    const queue = new Queue('forged', { connection });
    const events = new QueueEvents('forged', { connection });
    await events.waitUntilReady();
    const seen: string[] = [];
    const worker = await startQueueWorker({
      url: redis.url,
      queueName: 'forged',
      workdir: join(root, 'forged'),
      root,
      registryModules: modules,
      concurrency: 1,
      settings: FAST,
      onTaskEvent: (event) => seen.push(event.type),
    });
    try {
      const unknown = rawJob('rm-rf');
      const job1 = await queue.add('x', unknown.data, { jobId: unknown.key, attempts: 3 });
      await expect(job1.waitUntilFinished(events, 10_000)).rejects.toThrow(
        `job ${unknown.key}: unknown task kind 'rm-rf' (registered in worker ${worker.name}: ${listTaskKinds().join(', ')}); refused`,
      );
      const forged = rawJob('syn-image', { params: "require('child_process').exec('rm -rf /')" });
      const key2 = 'cd'.repeat(32);
      const data2 = { ...forged.data, key: key2, seed: seedOfKey(key2) };
      const job2 = await queue.add('x', data2, { jobId: key2, attempts: 3 });
      await expect(job2.waitUntilFinished(events, 10_000)).rejects.toThrow(
        /invalid task payload \(params: /,
      );
      for (const job of [job1, job2]) {
        expect((await queue.getJob(job.id!))!.attemptsMade).toBe(1);
      }
      expect(seen).toEqual(['rejected', 'rejected']);
    } finally {
      await worker.close();
      await Promise.all([events.close(), queue.close()]);
    }
  });

  it('refuses to start a worker whose code version differs from the coordinator, naming both', async () => {
    const runner = await BullMqRunner.create({
      url: redis.url,
      queueName: 'versions',
      artefactRoot: join(root, 'versions', 'artefacts'),
      sweepHash: 'x',
      kinds: ['syn-image'],
    });
    try {
      const { error } = await timed(
        startQueueWorker({
          url: redis.url,
          queueName: 'versions',
          workdir: join(root, 'versions'),
          root,
          registryModules: modules,
          concurrency: 1,
          packageVersion: '0.0.1-old',
        }),
      );
      expect(error).toBeInstanceOf(InputError);
      expect((error as Error).message).toBe(
        `worker: this worker's code version (package 0.0.1-old, engine 1, kinds syn-image@1) differs from the coordinator's (package ${packageVersion()}, engine 1, kinds syn-image@1): package 0.0.1-old here vs ${packageVersion()}; install the same hrtem version and task kinds as the coordinator`,
      );
    } finally {
      await runner.close();
    }
  });

  it('puts back a job of another code version, stops that worker and lets a right one run it', async () => {
    const outDir = join(root, 'refusal');
    const old = await startQueueWorker({
      url: redis.url,
      queueName: 'refusal',
      workdir: outDir,
      root,
      registryModules: modules,
      concurrency: 1,
      settings: FAST,
      packageVersion: '0.0.1-old',
    });
    const warnings: { code: string; message: string }[] = [];
    const plan = planTasks([
      { id: 'a', kind: 'syn-image', params: { seed: 2, n: 64, delayMs: 10 } },
    ]);
    const sweep = runQueueSweep({
      url: redis.url,
      queueName: 'refusal',
      outDir,
      plan,
      onWarning: (w) => warnings.push(w),
    });
    const refusal = await old.stopped.then(
      () => undefined,
      (error: Error) => error,
    );
    expect(refusal).toBeInstanceOf(InputError);
    expect(refusal!.message).toMatch(
      new RegExp(
        `^worker ${old.name} refuses syn-image task [0-9a-f]{12}: its code version \\(package 0\\.0\\.1-old, engine 1, kinds syn-image@1\\) differs from the coordinator's \\(package ${packageVersion().replace(/\./g, '\\.')}, engine 1, kinds syn-image@1\\)`,
      ),
    );
    const good = await startQueueWorker({
      url: redis.url,
      queueName: 'refusal',
      workdir: outDir,
      root,
      registryModules: modules,
      concurrency: 1,
      settings: FAST,
    });
    try {
      expect(await sweep).toMatchObject({ total: 1, done: 1, failed: [] });
    } finally {
      await good.close();
    }
    expect(warnings.filter((w) => w.code === 'worker-refused').map((w) => w.message)).toEqual([
      refusal!.message,
    ]);
  });

  it('stops a worker whose workdir is not the sweep folder before it writes anything', async () => {
    const outDir = join(root, 'right-folder');
    const wrongDir = join(root, 'wrong-folder');
    const base = {
      url: redis.url,
      queueName: 'folders',
      root,
      registryModules: modules,
      concurrency: 1,
      settings: FAST,
    };
    const misplaced = await startQueueWorker({ ...base, workdir: wrongDir });
    const plan = planTasks([
      { id: 'a', kind: 'syn-image', params: { seed: 5, n: 64, delayMs: 10 } },
    ]);
    const sweep = runQueueSweep({ url: redis.url, queueName: 'folders', outDir, plan });
    const refusal = await misplaced.stopped.then(
      () => undefined,
      (error: Error) => error,
    );
    expect(refusal).toBeInstanceOf(InputError);
    expect(refusal!.message).toBe(
      `worker ${misplaced.name} refuses syn-image task ${plan.tasks[0].key.slice(0, 12)}: its workdir ${wrongDir} has no readable queue-sweep.json, so it is not the output folder of the sweep that queued the task; give --workdir the sweep's --out folder as this machine mounts it`,
    );
    expect(existsSync(join(wrongDir, 'artefacts', 'syn-image'))).toBe(false);
    const good = await startQueueWorker({ ...base, workdir: outDir });
    try {
      expect(await sweep).toMatchObject({ total: 1, done: 1, failed: [] });
    } finally {
      await good.close();
    }
  });

  it('refuses a workdir outside the root', () => {
    const inside = join(root, 'inside');
    mkdirSync(inside, { recursive: true });
    expect(checkWorkdir(join(inside, 'sweep'), inside)).toBe(join(inside, 'sweep'));
    expect(() => checkWorkdir(join(inside, '..', 'elsewhere'), inside)).toThrow(
      `worker: --workdir ${join(inside, '..', 'elsewhere')} (${join(root, 'elsewhere')}) lies outside the worker's --root ${inside}; choose a workdir inside the root or start the worker with a --root that contains it`,
    );
  });

  it('marks a task that fails every attempt failed with its error, and finishes the rest', async () => {
    const outDir = join(root, 'failing');
    const worker = await startQueueWorker({
      url: redis.url,
      queueName: 'failing',
      workdir: outDir,
      root,
      registryModules: modules,
      concurrency: 2,
      settings: FAST,
    });
    const plan = planTasks([
      { id: 'ok', kind: 'syn-image', params: { seed: 3, n: 64, delayMs: 10 } },
      { id: 'bad', kind: 'syn-fail', params: { message: 'detector saturated' } },
      { id: 'after-bad', kind: 'syn-train', params: { rate: 1, delayMs: 10 }, deps: ['bad'] },
    ]);
    try {
      const summary = await runQueueSweep({
        url: redis.url,
        queueName: 'failing',
        outDir,
        plan,
        settings: { attempts: 3, backoffMs: 50 },
      });
      expect(summary).toMatchObject({ total: 3, done: 1, notRun: 1 });
      expect(summary.failed).toEqual([
        {
          key: plan.keyOfId.get('bad'),
          kind: 'syn-fail',
          ids: ['bad'],
          error: 'detector saturated',
        },
      ]);
      const queue = new Queue('failing', { connection: bullConnection({ url: redis.url }) });
      expect((await queue.getJob(plan.keyOfId.get('bad')!))!.attemptsMade).toBe(3);
      await queue.close();
    } finally {
      await worker.close();
    }
  });
});
