import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { readExitWaveSet } from '../multislice/storage.js';
import { main } from './main.js';

function writeScene(
  path: string,
  atoms: [string, number, number, number, number][],
  cell = [9.6, 9.6, 6],
): void {
  const lines = [
    String(atoms.length),
    `Lattice="${cell[0]} 0 0 0 ${cell[1]} 0 0 0 ${cell[2]}" Properties=species:S:1:pos:R:3:label:I:1 pbc="T T T"`,
    ...atoms.map((a) => a.join(' ')),
  ];
  writeFileSync(path, `${lines.join('\n')}\n`);
}

describe('hrtem simulate', () => {
  let errors: string[];
  beforeEach(() => {
    errors = [];
    vi.spyOn(console, 'error').mockImplementation((m: string) => {
      errors.push(m);
    });
    vi.spyOn(console, 'log').mockImplementation(() => {});
  });
  afterEach(() => vi.restoreAllMocks());

  it('writes exit waves and labels per scene, then skips scenes already done', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scenes-'));
    const scenes = join(dir, 'scenes');
    const out = join(dir, 'out');
    mkdirSync(scenes);
    writeScene(join(scenes, 'a.xyz'), [
      ['Au', 4.8, 4.8, 3, 1],
      ['C', 2, 2, 1, 0],
    ]);
    writeScene(join(scenes, 'b.xyz'), [['Cu', 3, 5, 2, 1]]);
    const code = await main([
      'simulate',
      scenes,
      '--out',
      out,
      '--workers',
      '0',
      '--phonons',
      '2',
      '--seed',
      '3',
    ]);
    expect(errors.filter((e) => !e.includes('warning'))).toEqual([]);
    expect(code).toBe(0);
    const a = readExitWaveSet(join(out, 'a'));
    expect(a.shape[0]).toBe(2);
    expect(a.labels?.shape).toEqual([1, a.shape[1], a.shape[2]]);
    expect(a.metadata.phonons.seed).toBe(3);
    const before = readFileSync(join(out, 'a', 'metadata.json'), 'utf8');
    expect(
      await main([
        'simulate',
        scenes,
        '--out',
        out,
        '--workers',
        '0',
        '--phonons',
        '2',
        '--seed',
        '3',
      ]),
    ).toBe(0);
    expect(readFileSync(join(out, 'a', 'metadata.json'), 'utf8')).toBe(before);
  });

  it('refuses a scene with an atom outside the cell with one line and writes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scenes-'));
    const scenes = join(dir, 'scenes');
    const out = join(dir, 'out');
    mkdirSync(scenes);
    writeScene(join(scenes, 'good.xyz'), [['Au', 4.8, 4.8, 3, 1]]);
    writeScene(join(scenes, 'bad.xyz'), [['Au', 12, 4.8, 3, 1]]);
    const code = await main(['simulate', scenes, '--out', out, '--workers', '0']);
    expect(code).toBe(2);
    expect(errors.at(-1)).toMatch(
      /bad\.xyz: atom 0 \(Z = 79\) at \(12, 4\.8, 3\) Å lies outside the cell/,
    );
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  });

  it('refuses an element without parameters and a sampling too coarse for the band', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scenes-'));
    const scenes = join(dir, 'scenes');
    mkdirSync(scenes);
    writeScene(join(scenes, 'a.xyz'), [['Au', 4.8, 4.8, 3, 1]]);
    expect(
      await main([
        'simulate',
        scenes,
        '--out',
        join(dir, 'o'),
        '--sampling',
        '0.25',
        '--band',
        '3',
      ]),
    ).toBe(2);
    expect(errors.at(-1)).toContain('is too coarse for the requested band 3 1/Å');
    expect(
      await main([
        'simulate',
        scenes,
        '--out',
        join(dir, 'o'),
        '--parametrization',
        'kirkland',
        '--energy',
        '-1',
      ]),
    ).toBe(2);
    expect(errors.at(-1)).toContain('energy must be > 0 eV');
    writeScene(join(scenes, 'a.xyz'), [['Rf', 4.8, 4.8, 3, 1]]);
    expect(await main(['simulate', scenes, '--out', join(dir, 'o')])).toBe(2);
    expect(errors.at(-1)).toContain(
      "a.xyz:3: unknown chemical symbol 'Rf' (scattering factors exist for H–Lr, Z = 1–103)",
    );
    expect(existsSync(join(dir, 'o'))).toBe(false);
  });
});
