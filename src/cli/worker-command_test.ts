import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { main } from './main.js';
import { formatWorkerEvent } from './worker-command.js';

const root = mkdtempSync(join(tmpdir(), 'hrtem-worker-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('hrtem worker', () => {
  it('exits with one clear line when Redis is unreachable', async () => {
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: string) => void errors.push(line));
    const port = await closedPort();
    const started = performance.now();
    const code = await main([
      'worker',
      '--queue',
      `redis://:secret@127.0.0.1:${port}`,
      '--workdir',
      join(root, 'sweep'),
      '--root',
      root,
      '--concurrency',
      '1',
    ]);
    expect(code).toBe(2);
    expect(performance.now() - started).toBeLessThan(3000);
    expect(errors).toEqual([
      `hrtem: error: queue: could not connect to Redis at redis://:***@127.0.0.1:${port}: connection refused; is redis-server running there and is the port right?`,
    ]);
  });

  it('refuses a workdir outside --root before connecting', async () => {
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: string) => void errors.push(line));
    const code = await main([
      'worker',
      '--queue',
      'redis://127.0.0.1:1',
      '--workdir',
      '/etc/hrtem-sweep',
      '--root',
      root,
    ]);
    expect(code).toBe(2);
    expect(errors[0]).toMatch(
      /^hrtem: error: worker: --workdir \/etc\/hrtem-sweep .* lies outside the worker's --root /,
    );
  });

  it('logs one line per finished task with its duration', () => {
    const jobId = '3fa2c1d09e7b'.padEnd(64, '0');
    expect(formatWorkerEvent({ type: 'start', jobId, kind: 'train' })).toBeUndefined();
    expect(formatWorkerEvent({ type: 'done', jobId, kind: 'train', durationMs: 900 })).toBe(
      'done train 3fa2c1d09e7b in 900 ms',
    );
    expect(
      formatWorkerEvent({ type: 'failed', jobId, kind: 'train', durationMs: 10, error: 'boom' }),
    ).toBe('failed train 3fa2c1d09e7b in 10 ms: boom');
  });
});
