import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from './main.js';

const dir = mkdtempSync(join(tmpdir(), 'hrtem-structure-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('hrtem structure', () => {
  it('writes N scenes with identical bytes for the same seed', async () => {
    const spec = join(dir, 'spec.yaml');
    writeFileSync(
      spec,
      'cell: {x: 40, y: 40}\nsubstrate: {thickness: 10}\nparticles:\n  materials: [Au, CdSe]\n  radius: [6, 9]\n',
    );
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(
        await main(['structure', spec, '--out', join(dir, 'a'), '-n', '2', '--seed', '9']),
      ).toBe(0);
      expect(
        await main([
          'structure',
          spec,
          '--out',
          join(dir, 'b'),
          '-n',
          '2',
          '--seed',
          '9',
          '--no-progress',
        ]),
      ).toBe(0);
    } finally {
      log.mockRestore();
      err.mockRestore();
    }
    const files = readdirSync(join(dir, 'a')).sort();
    expect(files).toEqual([
      'scene-0000.json',
      'scene-0000.prismatic.xyz',
      'scene-0000.xyz',
      'scene-0001.json',
      'scene-0001.prismatic.xyz',
      'scene-0001.xyz',
    ]);
    for (const f of files) {
      expect(readFileSync(join(dir, 'b', f)).equals(readFileSync(join(dir, 'a', f))), f).toBe(true);
    }
  });

  it('reports a bad spec on one line with file and line, exit code 2', async () => {
    const spec = join(dir, 'bad.yaml');
    writeFileSync(
      spec,
      'cell: {x: 40, y: 40}\nparticles:\n  materials: [Au]\n  radius: [6, 9]\n  shapez: {}\n',
    );
    const errors: string[] = [];
    const error = vi.spyOn(console, 'error').mockImplementation((m: string) => errors.push(m));
    try {
      expect(await main(['structure', spec, '--out', join(dir, 'c')])).toBe(2);
      expect(await main(['structure', spec, '--out', join(dir, 'c'), '-n', 'x'])).toBe(2);
    } finally {
      error.mockRestore();
    }
    expect(errors[0]).toBe(`hrtem: error: ${spec}:5:3: particles: Unrecognized key: "shapez"`);
    expect(errors[1]).toBe('hrtem: error: --count must be an integer in [1, 1000000], got "x"');
  });

  it('refuses a count given twice in any spelling, and a missing spec file in one line', async () => {
    const errors: string[] = [];
    const error = vi.spyOn(console, 'error').mockImplementation((m: string) => errors.push(m));
    const missing = join(dir, 'none.yaml');
    try {
      for (const flags of [
        ['-n3', '-n4'],
        ['-n3', '--count', '4'],
        ['-n', '3', '-n4'],
      ]) {
        expect(await main(['structure', missing, '--out', join(dir, 'd'), ...flags])).toBe(2);
      }
      expect(await main(['structure', missing, '--out', join(dir, 'd')])).toBe(2);
    } finally {
      error.mockRestore();
    }
    expect(errors.slice(0, 3)).toEqual([
      "hrtem: error: --count is given 2 times ('3', '4'); give it once",
      "hrtem: error: --count is given 2 times ('3', '4'); give it once",
      "hrtem: error: --count is given 2 times ('3', '4'); give it once",
    ]);
    expect(errors[3]).toMatch(/^hrtem: error: .*none\.yaml/);
    expect(errors).toHaveLength(4);
  });
});
