import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import cliProgress from 'cli-progress';
import { InvalidArgumentError } from 'commander';
import { InputError } from '../core/errors.js';

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * A commander argument parser for a number, whose error names the flag and its unit.
 * Accepts forms like `1.2e7`, `-19130`, `0.5`.
 */
export function numberOption(flag: string, unit: string): (value: string) => number {
  return (value: string) => {
    const parsed = Number(value);
    // Decimal notation only: Number() would also read '0x10' as 16 and '0b1' as 1.
    if (!DECIMAL.test(value.trim()) || !Number.isFinite(parsed)) {
      throw new InvalidArgumentError(
        `${flag} expects a finite number${unit ? ` in ${unit}` : ''}, got '${value}'`,
      );
    }
    return parsed;
  };
}

/**
 * Checks, before any work, that `path` can be an output folder (`kind` 'dir') or file ('file'):
 * it is not an existing entry of the other kind, and its nearest existing ancestor is a folder.
 *
 * @param option the flag, named in the message (e.g. '--out')
 * @throws InputError naming the flag, the path and what is in the way
 * @example
 * requireOutputPath('--out', 'runs/quick', 'dir');
 */
export function requireOutputPath(option: string, path: string, kind: 'dir' | 'file'): void {
  const full = resolve(path);
  if (existsSync(full)) {
    const isDir = statSync(full).isDirectory();
    if (kind === 'dir' && !isDir) {
      throw new InputError(`${option} must be a folder, but ${path} is a file`);
    }
    if (kind === 'file' && isDir) {
      throw new InputError(`${option} must be a file path, but ${path} is a folder`);
    }
    return;
  }
  let parent = dirname(full);
  while (!existsSync(parent)) parent = dirname(parent);
  if (!statSync(parent).isDirectory()) {
    throw new InputError(`${option} ${path} cannot be created: ${parent} is a file, not a folder`);
  }
}

/**
 * Time formatter for cli-progress bars: the library's own for a number of seconds, '--' while the
 * ETA is unknown (cli-progress passes the strings 'INF' or 'NULL', which its formatter would
 * print as 'NFs' or 'LLs').
 */
export function progressTime(
  t: number | string,
  options: Parameters<typeof cliProgress.Format.TimeFormat>[1],
  roundTo: number,
): string {
  if (typeof t !== 'number' || !Number.isFinite(t)) return '--';
  return cliProgress.Format.TimeFormat(t, options, roundTo);
}
