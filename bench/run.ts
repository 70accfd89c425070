/**
 * `npm run bench`: runs every benchmark module in this folder (or those named on the command line,
 * e.g. `npm run bench -- optics multislice`) and prints their results. Benchmarks measure; they
 * never fail a build.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const modules = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_'))
  .map((f) => f.replace(/\.ts$/, ''))
  .filter((name) => wanted.length === 0 || wanted.includes(name))
  .sort();

const started = performance.now();
for (const name of modules) {
  console.log(`\n=== bench: ${name} ===`);
  const mod = (await import(join(here, `${name}.ts`))) as { run: () => Promise<void> };
  const t0 = performance.now();
  await mod.run();
  console.log(`(${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}
console.log(`\nall benchmarks: ${((performance.now() - started) / 1000).toFixed(1)} s`);
