import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Absolute path of the module that registers every stage's task kinds (.js in dist, .ts when run
 * from the sources). The local pool, the queue workers and the coordinator all load it.
 */
export function stagesModulePath(): string {
  const js = fileURLToPath(new URL('../sweep/stages.js', import.meta.url));
  return existsSync(js) ? js : js.replace(/\.js$/, '.ts');
}
