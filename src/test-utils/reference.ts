/**
 * Locates the independently computed reference values in `shared/reference/` (beside the checkout,
 * or inside it). Tests read them from there; no reference number is copied into the sources.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function candidates(): string[] {
  return [
    process.env.HRTEM_REFERENCE_DIR,
    join(repoRoot, '..', 'shared', 'reference'),
    join(repoRoot, 'shared', 'reference'),
  ].filter((d): d is string => typeof d === 'string');
}

/**
 * The folder holding the reference values, or null when this checkout has none beside or inside
 * it. Tests that need it are skipped then, and the test run prints a notice (see
 * `reference-setup.ts`); set HRTEM_REQUIRE_REFERENCE=1 to make its absence an error instead.
 */
export function referenceDir(): string | null {
  for (const dir of candidates()) {
    if (existsSync(join(dir, 'optics.json'))) return dir;
  }
  if (process.env.HRTEM_REQUIRE_REFERENCE === '1') {
    throw new Error(`reference values not found in ${candidates().join(', ')}`);
  }
  return null;
}

/** True when the reference values are available to this test run. */
export const hasReference = referenceDir() !== null;

/** Absolute path of `shared/reference/<name>`; throws (failing the test) if it cannot be found. */
export function referencePath(name: string): string {
  for (const dir of candidates()) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  throw new Error(`reference file ${name} not found in ${candidates().join(', ')}`);
}

/** Parses `shared/reference/<name>` as JSON. */
export function readReferenceJson<T>(name: string): T {
  return JSON.parse(readFileSync(referencePath(name), 'utf8')) as T;
}
