/**
 * Runs a sweep child process (`kill-child.ts`) and, if asked, SIGKILLs it a given time after it
 * spawned or after it printed a line with a given prefix. Shared by the kill-safety tests.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { SweepSummary } from '../run-sweep.js';

/** The child that runs a sweep: see its module doc for arguments and output. */
export const KILL_CHILD = fileURLToPath(new URL('./kill-child.ts', import.meta.url));

/** When to kill: `afterMs` after spawn, or after the first stdout line starting with `after`. */
export interface KillPlan {
  afterMs: number;
  after?: string;
}

/** What one run of the child did. */
export interface Attempt {
  /** The child was SIGKILLed by us (it had not exited before the timer fired). */
  killed: boolean;
  /** The line named by `after` was seen (always true without `after`). */
  triggered: boolean;
  /** The child printed `started` (the sweep was under way). */
  started: boolean;
  exitCode: number | null;
  /** Tasks (`KIND KEY`) the child reported started but not finished when it ended. */
  running: string[];
  summary?: SweepSummary;
}

/**
 * Runs `node --import tsx kill-child.ts ...args` once.
 *
 * @throws (rejects) when the child fails without being killed
 */
export function runKillable(args: string[], kill?: KillPlan): Promise<Attempt> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', KILL_CHILD, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let pending = '';
    let stderr = '';
    let started = false;
    let triggered = kill?.after === undefined;
    let killed = false;
    const running = new Set<string>();
    const killNow = () => {
      if (child.exitCode === null && child.signalCode === null) {
        killed = true;
        child.kill('SIGKILL');
      }
    };
    if (kill && kill.after === undefined) setTimeout(killNow, kill.afterMs);
    const onLine = (line: string) => {
      if (line === 'started') started = true;
      const event = /^(start|done) (\S+ [0-9a-f]{64})$/.exec(line);
      if (event?.[1] === 'start') running.add(event[2]);
      if (event?.[1] === 'done') running.delete(event[2]);
      if (!triggered && kill?.after !== undefined && line.startsWith(kill.after)) {
        triggered = true;
        setTimeout(killNow, kill.afterMs);
      }
    };
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      pending += chunk.toString();
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        onLine(pending.slice(0, newline));
        pending = pending.slice(newline + 1);
        newline = pending.indexOf('\n');
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    // 'close', not 'exit': it comes after the last stdout chunk was read.
    child.on('close', (code) => {
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      if (!killed && code !== 0) reject(new Error(`child failed (code ${code}): ${stderr}`));
      resolve({
        killed,
        triggered,
        started,
        exitCode: code,
        running: [...running],
        summary: line ? (JSON.parse(line) as SweepSummary) : undefined,
      });
    });
  });
}
