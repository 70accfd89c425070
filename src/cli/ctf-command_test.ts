import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from './main.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err.push(String(chunk));
    return true;
  });
  return { out, err };
}

afterEach(() => vi.restoreAllMocks());

describe('hrtem ctf', () => {
  it('prints the derived values and writes SVG, JSON and CSV', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctf-'));
    const { out } = capture();
    const code = await main([
      'ctf',
      '--energy',
      '300000',
      '--defocus',
      '100',
      '--Cs',
      '1.2e7',
      '--focal-spread',
      '10',
      '--out',
      dir,
    ]);
    expect(code).toBe(0);
    const text = out.join('\n');
    expect(text).toMatch(/wavelength λ\s+0\.01968749 Å/);
    expect(text).toMatch(/Scherzer defocus\s+595\.29 Å/);
    const json = JSON.parse(readFileSync(join(dir, 'ctf.json'), 'utf8'));
    expect(json.summary.ctfZeros.length).toBe(5);
    expect(readFileSync(join(dir, 'ctf.svg'), 'utf8')).toMatch(/^<svg/);
    expect(readFileSync(join(dir, 'ctf.csv'), 'utf8').split('\n')[0]).toBe(
      'k_per_A,chi_rad,sin_chi,temporal,spatial,aperture,ctf',
    );
  });

  it('names the other aberrations with their azimuths and says the zeros are along φ = 0', async () => {
    const { out } = capture();
    const args = ['--energy', '3e5', '--defocus', '100', '--C12', '500', '--C50', '2e7'];
    expect(await main(['ctf', ...args])).toBe(0);
    const text = out.join('\n');
    expect(text).toContain('other aberrations      C12 = 500 Å, phi12 = 0 rad; C50 = 20000000 Å');
    expect(text).toMatch(/first CTF zeros .* 1\/Å \(along φ = 0\)/);
  });

  it('accepts a negative Cs written as --Cs=-19130', async () => {
    const { out } = capture();
    expect(
      await main(['ctf', '--energy', '300000', '--defocus', '100', '--Cs=-19130', '--json']),
    ).toBe(0);
    expect(JSON.parse(out.join('\n')).Cs).toBe(-19130);
  });

  it.each([
    [['--energy', '-5'], 'energy must be > 0 eV, got -5 eV'],
    [['--energy', '0'], 'energy must be > 0 eV, got 0 eV'],
    [['--energy', 'NaN'], "--energy expects a finite number in eV, got 'NaN'"],
    [['--energy', '0x10'], "--energy expects a finite number in eV, got '0x10'"],
    [['--energy', '300'], 'if you meant 300 kV, give 300000'],
    [
      ['--energy', '3e5', '--defocus', '100', '--defocus=200'],
      "--defocus is given 2 times ('100', '200'); give it once",
    ],
    [['--energy', '3e7'], 'energy is in eV and must be in [1000, 3000000] eV for TEM'],
    [
      ['--energy', '3e5', '--zeros', '-3'],
      '--zeros must be an integer ≥ 1 (a count of CTF zeros), got -3',
    ],
    [['--energy', '3e5', '--C99', '1'], "unknown option '--C99'"],
    [
      ['--energy', '3e5', '--defocus', '10', '--C10', '5'],
      "aberration C10 given twice, as 'defocus' and as 'C10'",
    ],
    [
      ['--energy', '3e5', '--convergence', '0.5'],
      'give convergenceMrad: 0.5 (CLI: --convergence-mrad 0.5)',
    ],
    [['--defocus', '10'], '--energy [eV] is required'],
    [
      ['--energy', '3e5', '--out', 'package.json'],
      '--out must be a folder, but package.json is a file',
    ],
    [['--energy', '3e5', '--out', 'package.json/ctf'], '--out package.json/ctf cannot be created:'],
  ])('rejects %j with one line naming the parameter and exit code 2', async (args, message) => {
    const { err } = capture();
    expect(await main(['ctf', ...args])).toBe(2);
    const lines = err.join('').trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(message);
    expect(lines[0]).not.toMatch(/\bat .*\.ts:\d+/);
  });
});
