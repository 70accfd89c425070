/**
 * Locates the independently computed reference values in `shared/reference/` (beside the checkout,
 * or inside it). Tests read them from there; no reference number is copied into the sources.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Absolute path of `shared/reference/<name>`; throws (failing the test) if it cannot be found. */
export function referencePath(name: string): string {
  const candidates = [
    process.env.HRTEM_REFERENCE_DIR,
    join(repoRoot, '..', 'shared', 'reference'),
    join(repoRoot, 'shared', 'reference'),
  ].filter((d): d is string => typeof d === 'string');
  for (const dir of candidates) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  throw new Error(`reference file ${name} not found in ${candidates.join(', ')}`);
}

/** Parses `shared/reference/<name>` as JSON. */
export function readReferenceJson<T>(name: string): T {
  return JSON.parse(readFileSync(referencePath(name), 'utf8')) as T;
}
