import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { DatasetReader } from '../dataset/index.js';
import { syntheticExitWaveSet, writeSyntheticExitWaveFolder } from '../imaging/index.js';
import { main } from './main.js';

const tmp = mkdtempSync(join(tmpdir(), 'images-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

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

const dirs = [0, 1, 2].map((s) => {
  const dir = join(tmp, `w${s}`);
  writeSyntheticExitWaveFolder(
    dir,
    syntheticExitWaveSet({
      shape: [32, 32],
      sampling: [0.1, 0.1],
      energy: 300e3,
      structureId: `w${s}`,
      blobs: [{ center: [1 + s, 1.5], phase: 0.5, width: 0.4 }],
    }),
  );
  return dir;
});

const domainYaml = `name: cli-test
condition:
  energy: 300000
  imageSize: [12, 12]
  defocus: { normal: { mean: 50, std: 5 } }
  Cs: 1.2e7
  dose: 200
  pixelSize: 0.2
`;

describe('hrtem images', () => {
  it('builds a dataset from a domain file and exit-wave folders', async () => {
    const domain = join(tmp, 'domain.yaml');
    writeFileSync(domain, domainYaml);
    const out = join(tmp, 'ds');
    const { out: stdout } = capture();
    const code = await main([
      'images',
      '--domain',
      domain,
      '--exit-waves',
      ...dirs,
      '--out',
      out,
      '--images-per-structure',
      '2',
      '--split',
      '0.34,0.33,0.33',
    ]);
    expect(code).toBe(0);
    expect(stdout.join('\n')).toMatch(/wrote .*ds: train 2, val 2, test 2 images of 12 × 12 px/);
    expect(DatasetReader.open(out).count('train')).toBe(2);

    const png = join(tmp, 'grid.png');
    expect(await main(['show', '--dataset', out, '--out', png, '--count', '2'])).toBe(0);
    const meta = await sharp(png).metadata();
    expect([meta.width, meta.height]).toEqual([3 * 12 + 2 * 4, 2 * 12 + 4]);
  });

  it('reports a domain with an unknown parameter as one line naming file and line', async () => {
    const domain = join(tmp, 'bad.yaml');
    writeFileSync(domain, `${domainYaml}  focalSpreed: 10\n`);
    const out = join(tmp, 'bad-ds');
    const { err } = capture();
    const code = await main(['images', '--domain', domain, '--exit-waves', ...dirs, '--out', out]);
    expect(code).toBe(2);
    expect(err.join('\n')).toMatch(
      /^hrtem: error: .*bad\.yaml:9:3: condition: Unrecognized key: "focalSpreed"/,
    );
    expect(existsSync(out)).toBe(false);
  });
});
