/**
 * The README runs `npx hrtem`, which is the compiled program in dist/, not the TypeScript the other
 * tests import. Node's ESM loader is stricter than the test runner's about CommonJS packages (a
 * named import that vitest accepts can fail there), so the built program is run once here.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const built = existsSync(`${root}dist/cli/main.js`);
if (!built && process.env.CI) {
  throw new Error('dist/ is missing in CI: `npm ci` runs the build (prepare) before the tests');
}
if (!built) console.warn('built-cli_test: dist/ is missing (run `npm run build`); skipping');

describe.skipIf(!built)('the built hrtem program', () => {
  it('loads every command module and answers hrtem ctf', () => {
    const out = execFileSync(
      process.execPath,
      ['bin/hrtem.js', 'ctf', '--energy', '300000', '--defocus', '100', '--json'],
      { cwd: root, encoding: 'utf8' },
    );
    expect(JSON.parse(out).wavelength).toBeCloseTo(0.0196875, 6);
  });
});
