import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { InProcessRunner, planTasks, readSweepStatus, SweepState } from '../sweep/index.js';
import '../sweep/test-utils/synthetic-kinds.js';
import { main } from './main.js';
import { formatSweepStatus } from './status-command.js';
import { formatDuration, formatSweepSummary, runSweepWithDisplay } from './sweep-progress.js';

const root = mkdtempSync(join(tmpdir(), 'hrtem-status-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const plan = () =>
  planTasks([
    { id: 'src/a', kind: 'syn-source', params: { seed: 1, n: 8, delayMs: 0 } },
    { id: 'src/b', kind: 'syn-source', params: { seed: 2, n: 8, delayMs: 0 } },
    { id: 'bad', kind: 'syn-fail', params: { message: 'probe out of range' } },
  ]);

/** A writable that collects text and says it is not a terminal. */
function capture(): { stream: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      text += chunk.toString();
      callback();
    },
  }) as unknown as NodeJS.WriteStream;
  (stream as { isTTY: boolean }).isTTY = false;
  return { stream, text: () => text };
}

describe('hrtem status', () => {
  it('prints counts per status and kind, running tasks with worker and time, and failed tasks with errors', async () => {
    const outDir = join(root, 'sweep');
    const out = capture();
    const code = await runSweepWithDisplay({
      outDir,
      plan: plan(),
      runner: new InProcessRunner(),
      maxAttempts: 1,
      stream: out.stream,
    });
    expect(code).toBe(1);
    expect(out.text()).toMatch(
      /sweep: 2\/3 tasks done \(2 run now, 0 reused from artefacts\), 1 failed, 0 not run/,
    );
    expect(out.text()).toMatch(/ {2}failed syn-fail bad: probe out of range/);
    expect(out.text()).toMatch(/sweep: run time \d+ ms on in-process, concurrency 1/);
    // Simulate a task in flight, as a reader would see it during a sweep.
    const state = SweepState.open(outDir);
    state.markRunning(plan().keyOfId.get('src/a')!, 'node7-w1', Date.now() - 65_000);
    state.close();
    const lines = formatSweepStatus(readSweepStatus(outDir), outDir);
    expect(lines[1]).toBe('tasks: 3 total, 1 done, 1 running, 0 pending, 1 failed');
    expect(lines).toContain('  kind            done running pending  failed   total');
    expect(lines).toContain('  syn-fail           0       0       0       1       1');
    expect(lines).toContain('  syn-source         1       1       0       0       2');
    expect(
      lines.some((l) => /^ {2}syn-source src\/a on node7-w1 for 1 min 0[5-6] s$/.test(l)),
    ).toBe(true);
    expect(lines).toContain('  syn-fail bad after 1 attempts: probe out of range');
  });

  it('reports a folder without sweep state as one line and exit code 2', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      expect(await main(['status', join(root, 'nothing')])).toBe(2);
      expect(errors.mock.calls[0][0]).toMatch(
        /^hrtem: error: no sweep state in .*nothing \(expected .*state\.sqlite\); is this a sweep output folder\?$/,
      );
    } finally {
      errors.mockRestore();
    }
  });
});

describe('sweep progress display', () => {
  it('prints plain progress lines per kind when the stream is not a terminal', async () => {
    const out = capture();
    await runSweepWithDisplay({
      outDir: join(root, 'progress'),
      plan: plan(),
      runner: new InProcessRunner(),
      maxAttempts: 1,
      stream: out.stream,
    });
    expect(out.text()).toMatch(/syn-source \[[█░]+\] 2\/2 done/);
    expect(out.text()).toMatch(/total +\[[█░]+\] 2\/3 done, 1 failed/);
  });

  it('stops submitting on the first Ctrl-C and reports what was not run', async () => {
    const out = capture();
    const specs = Array.from({ length: 8 }, (_, i) => ({
      id: `s${i}`,
      kind: 'syn-source',
      params: { seed: i, n: 4, delayMs: 100 },
    }));
    const others = process.listeners('SIGINT');
    process.removeAllListeners('SIGINT');
    const timer = setTimeout(() => process.emit('SIGINT'), 150);
    try {
      const code = await runSweepWithDisplay({
        outDir: join(root, 'interrupt'),
        plan: planTasks(specs),
        runner: new InProcessRunner(),
        stream: out.stream,
        interruptible: true,
      });
      expect(code).toBe(1);
    } finally {
      clearTimeout(timer);
      for (const listener of others) process.on('SIGINT', listener);
    }
    expect(out.text()).toMatch(
      /sweep: stopping after the running tasks finish; press Ctrl-C again/,
    );
    expect(out.text()).toMatch(/sweep: [1-3]\/8 tasks done .* [5-7] not run/);
    expect(process.listenerCount('SIGINT')).toBe(others.length);
  });

  it('formats durations', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(12_345)).toBe('12.3 s');
    expect(formatDuration(245_000)).toBe('4 min 05 s');
    expect(formatDuration(7_380_000)).toBe('2 h 03 min');
  });
});

describe('formatSweepSummary', () => {
  it('lists at most 20 failed tasks and counts the rest', () => {
    const failed = Array.from({ length: 25 }, (_, i) => ({
      key: 'k',
      kind: 'train',
      ids: [`t${i}`],
      error: 'boom',
    }));
    const lines = formatSweepSummary(
      {
        total: 30,
        done: 5,
        failed,
        notRun: 0,
        executed: 5,
        reused: 0,
        retried: 50,
        recovered: { running: 2, failed: 0, tempFolders: 1, missingArtefacts: 0, staleRows: 0 },
        wallMs: 245_000,
        artefactRoot: '/x',
      },
      'local pool, 2 worker threads',
    );
    expect(lines.filter((l) => l.startsWith('  failed train'))).toHaveLength(20);
    expect(lines).toContain('  … and 5 more failed tasks (hrtem status DIR lists them)');
    expect(lines).toContain(
      'sweep: resumed after an interruption (2 interrupted tasks restarted, 1 partial outputs removed, 0 missing artefacts redone)',
    );
    expect(lines[lines.length - 1]).toBe(
      'sweep: run time 4 min 05 s on local pool, 2 worker threads',
    );
  });
});
