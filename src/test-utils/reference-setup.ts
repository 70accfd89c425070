/** Vitest global setup: says once, visibly, where the reference values come from. */
import { referenceDir } from './reference.js';

export default function setup(): void {
  const dir = referenceDir();
  if (dir) console.info(`reference values: ${dir}`);
  else {
    console.warn(
      '\n*** reference values (shared/reference) not found beside or inside this checkout:\n' +
        '*** the tests that compare against them are SKIPPED. Set HRTEM_REFERENCE_DIR to run them.\n',
    );
  }
}
