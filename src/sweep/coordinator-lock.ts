/**
 * One coordinator per sweep folder: `DIR/coordinator.lock` holds the owner's host and pid. A lock
 * left by a killed coordinator on this host (its pid no longer runs) is taken over; a live owner,
 * or an owner on another host (whose liveness cannot be checked from here), is refused.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../core/errors.js';

/** Name of the lock file inside a sweep folder. */
export const LOCK_FILE = 'coordinator.lock';

interface LockOwner {
  host: string;
  pid: number;
  startedAt: string;
}

/**
 * Takes the coordinator lock of `dir` (which must exist).
 *
 * @returns a function releasing the lock
 * @throws InputError when another live coordinator holds the folder
 */
export function acquireCoordinatorLock(dir: string): () => void {
  const path = join(dir, LOCK_FILE);
  const me: LockOwner = { host: hostname(), pid: process.pid, startedAt: new Date().toISOString() };
  for (let tries = 0; tries < 3; tries++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, JSON.stringify(me));
      closeSync(fd);
      return () => {
        try {
          const owner = JSON.parse(readFileSync(path, 'utf8')) as LockOwner;
          if (owner.pid === me.pid && owner.host === me.host) unlinkSync(path);
        } catch {
          // Already gone: nothing to release.
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = readOwner(path);
    if (owner && (owner.host !== me.host || isAlive(owner.pid))) {
      throw new InputError(
        `sweep folder ${dir} is in use by another coordinator (pid ${owner.pid} on ${owner.host}, since ${owner.startedAt}); wait for it to finish, or delete ${path} if that process is gone`,
      );
    }
    // The owner was killed (or the file is unreadable): take the lock over.
    try {
      unlinkSync(path);
    } catch {
      // Another process removed it first; retry the exclusive create.
    }
  }
  throw new InputError(
    `could not take the coordinator lock ${path}; another process keeps changing it`,
  );
}

function readOwner(path: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(path, 'utf8')) as LockOwner;
    return typeof owner.pid === 'number' && typeof owner.host === 'string' ? owner : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
