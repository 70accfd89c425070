import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { readNpy } from '../core/npy.js';
import { Rng } from '../core/rng.js';
import {
  type DomainInput,
  formImage,
  loadExitWaveSet,
  parseImagingCondition,
  syntheticExitWaveSet,
  writeSyntheticExitWaveFolder,
} from '../imaging/index.js';
import {
  buildDataset,
  DatasetReader,
  type ManifestInput,
  parseManifest,
  readManifestFile,
  SPLITS,
} from './index.js';

const E = 300e3;
const tmp = mkdtempSync(join(tmpdir(), 'dataset-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Ten small synthetic structures (64 × 64 at 0.1 Å, 2 configurations). */
const folders: string[] = [];
for (let s = 0; s < 10; s++) {
  const rng = new Rng(100 + s);
  const set = syntheticExitWaveSet({
    shape: [64, 64],
    sampling: [0.1, 0.1],
    energy: E,
    nconf: 2,
    jitter: 0.05,
    rng,
    structureId: `s${s}`,
    blobs: [
      { center: [rng.uniform(1, 5), rng.uniform(1, 5)], phase: 0.6, width: 0.5 },
      { center: [rng.uniform(1, 5), rng.uniform(1, 5)], phase: 0.3, width: 0.4 },
    ],
  });
  const dir = join(tmp, 'waves', `s${s}`);
  writeSyntheticExitWaveFolder(dir, set);
  folders.push(dir);
}

const domainA: DomainInput = {
  name: 'A',
  condition: {
    energy: E,
    imageSize: [24, 24],
    defocus: { normal: { mean: -100, std: 15 } },
    Cs: 1.2e7,
    focalSpread: 20,
    dose: { uniform: { low: 100, high: 600 } },
    pixelSize: 0.2,
    mtf: { c: 0.1, q0: 0.5, p: 2 },
  },
};
const domainB: DomainInput = {
  name: 'B',
  temporalCoherence: 'explicit',
  defocusSamples: 7,
  medianFilter: 3,
  condition: { ...domainA.condition, defocus: { uniform: { low: 150, high: 250 } }, dose: 50 },
};

function manifest(extra: Partial<ManifestInput> = {}) {
  return parseManifest({
    domain: domainA,
    exitWaves: folders,
    imagesPerStructure: 3,
    seed: 42,
    split: { train: 0.6, val: 0.2, test: 0.2 },
    shardSize: 4,
    previews: 2,
    ...extra,
  });
}

/**
 * An exit-wave folder whose sidecar is valid but whose waves file is cut in half: the inputs check
 * (sidecars only) passes, and loading the structure's waves fails during the build.
 */
function corruptFolder(): string {
  const corrupt = join(tmp, 'waves', 'corrupt');
  if (existsSync(corrupt)) return corrupt;
  mkdirSync(corrupt, { recursive: true });
  for (const name of readdirSync(folders[0])) {
    writeFileSync(join(corrupt, name), readFileSync(join(folders[0], name)));
  }
  const meta = JSON.parse(readFileSync(join(corrupt, 'metadata.json'), 'utf8'));
  const renamed = { ...meta, structureId: 'corrupt' };
  writeFileSync(join(corrupt, 'metadata.json'), JSON.stringify(renamed));
  const waves = readFileSync(join(corrupt, 'exit-waves.npy'));
  writeFileSync(join(corrupt, 'exit-waves.npy'), waves.subarray(0, waves.length >> 1));
  return corrupt;
}
const CORRUPT_ERROR = /exit-waves\.npy/;

function shardFiles(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const split of SPLITS) {
    if (!existsSync(join(dir, split))) continue;
    for (const name of readdirSync(join(dir, split)).sort()) {
      files.set(`${split}/${name}`, readFileSync(join(dir, split, name)));
    }
  }
  return files;
}

describe('buildDataset', () => {
  it('writes byte-identical shards for the same manifest and seed, different ones for another seed', async () => {
    const a = join(tmp, 'same-a');
    const b = join(tmp, 'same-b');
    const c = join(tmp, 'other-seed');
    await buildDataset(manifest(), { out: a });
    await buildDataset(manifest(), { out: b });
    await buildDataset(manifest({ seed: 43 }), { out: c });
    const filesA = shardFiles(a);
    const filesB = shardFiles(b);
    expect(filesA.size).toBeGreaterThan(6);
    expect([...filesB.keys()]).toEqual([...filesA.keys()]);
    for (const [name, bytes] of filesA) expect(bytes.equals(filesB.get(name)!), name).toBe(true);
    expect(readFileSync(join(a, 'manifest.json'))).toEqual(readFileSync(join(b, 'manifest.json')));
    const imagesC = readFileSync(join(c, 'train', 'images-00000.npy'));
    expect(imagesC.equals(filesA.get('train/images-00000.npy')!)).toBe(false);
  });

  it('writes the same bytes with two worker threads as in one thread', async () => {
    const inline = join(tmp, 'threads-1');
    const pooled = join(tmp, 'threads-2');
    await buildDataset(manifest(), { out: inline });
    await buildDataset(manifest(), { out: pooled, workers: 2 });
    const a = shardFiles(inline);
    const b = shardFiles(pooled);
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [name, bytes] of a) expect(bytes.equals(b.get(name)!), name).toBe(true);
  });

  it('reports an error raised in a worker thread with its class and message', async () => {
    const failing = manifest({ exitWaves: [...folders, corruptFolder()] });
    const inline = await buildDataset(failing, { out: join(tmp, 'inline-error') }).catch(
      (error: Error) => error,
    );
    const out = join(tmp, 'worker-error');
    const threaded = await buildDataset(failing, { out, workers: 2 }).catch(
      (error: Error) => error,
    );
    expect(inline).toBeInstanceOf(Error);
    expect(threaded).toBeInstanceOf((inline as Error).constructor);
    expect((threaded as Error).message).toBe((inline as Error).message);
    expect((threaded as Error).message).toMatch(CORRUPT_ERROR);
    expect(existsSync(join(out, 'manifest.json'))).toBe(false);
  });

  it('splits by structure: no structure id in two splits, every image accounted for', async () => {
    const out = join(tmp, 'split');
    const progress: number[] = [];
    const result = await buildDataset(manifest(), {
      out,
      onProgress: (p) => progress.push(p.done),
    });
    const reader = DatasetReader.open(out);
    const idsBySplit = SPLITS.map((split) => {
      const ids = new Set<string>();
      for (let i = 0; i < reader.count(split); i++)
        ids.add(reader.read(split, i).record.structureId);
      return ids;
    });
    expect(idsBySplit.map((s) => s.size)).toEqual([6, 2, 2]);
    for (let i = 0; i < 3; i++)
      for (let j = i + 1; j < 3; j++)
        expect([...idsBySplit[i]].filter((id) => idsBySplit[j].has(id))).toEqual([]);
    expect(SPLITS.map((s) => reader.count(s))).toEqual([18, 6, 6]);
    expect(progress.at(-1)).toBe(30);
    expect(result.structures.map((s) => s.split).sort()).toEqual(
      [...Array(6).fill('train'), ...Array(2).fill('test'), ...Array(2).fill('val')].sort(),
    );
    expect(result.previews).toHaveLength(2);
  });

  it('reads one image by offset equal to its slice of the shard, standardised', async () => {
    const out = join(tmp, 'split');
    const reader = DatasetReader.open(out);
    const sample = reader.read('train', 5);
    const shard = readNpy(join(out, 'train', 'images-00001.npy'));
    expect(shard.shape).toEqual([4, 24, 24]);
    expect(sample.image).toEqual((shard.data as Float32Array).slice(576, 1152));
    expect(sample.record.offset).toBe(1);
    const mean = sample.image.reduce((a, b) => a + b, 0) / sample.image.length;
    expect(Math.abs(mean)).toBeLessThan(1e-5);
    expect(sample.record.standardization?.std).toBeGreaterThan(0);
    const masks = readNpy(join(out, 'train', 'masks-00001.npy'));
    expect(masks.dtype).toBe('|u1');
    expect(() => reader.read('train', 18)).toThrow(RangeError);
  });

  it('reproduces an image from its record alone (drawn condition and seed)', async () => {
    const reader = DatasetReader.open(join(tmp, 'split'));
    const sample = reader.read('val', 4);
    const r = sample.record;
    const set = loadExitWaveSet(join(tmp, 'waves', r.structureId));
    const domain = reader.manifest.domain;
    const again = await formImage(
      set,
      parseImagingCondition(r.condition),
      {
        temporalCoherence: domain.temporalCoherence,
        defocusSamples: domain.defocusSamples,
        defocusExtent: domain.defocusExtent,
        medianFilter: domain.medianFilter,
        defocusOffset: r.defocusOffset,
      },
      new Rng(r.seed),
    );
    expect(again.image).toEqual(sample.image);
    expect(again.mask).toEqual(sample.mask);
  });

  it('gives identical masks for two domains built from the same exit waves', async () => {
    const a = join(tmp, 'domain-a');
    const b = join(tmp, 'domain-b');
    await buildDataset(manifest(), { out: a });
    await buildDataset(manifest({ domain: domainB }), { out: b });
    const filesA = shardFiles(a);
    const filesB = shardFiles(b);
    let compared = 0;
    for (const [name, bytes] of filesA) {
      if (name.includes('masks-')) {
        expect(bytes.equals(filesB.get(name)!), name).toBe(true);
        compared++;
      }
      if (name.includes('images-')) expect(bytes.equals(filesB.get(name)!), name).toBe(false);
    }
    expect(compared).toBeGreaterThan(3);
  });
});

describe('buildDataset resume', () => {
  it('resumes an interrupted build, forming only the missing shards, with identical results', async () => {
    const fresh = join(tmp, 'resume-fresh');
    const out = join(tmp, 'resume');
    await buildDataset(manifest(), { out: fresh });
    const stop = new Error('interrupted');
    await expect(
      buildDataset(manifest(), {
        out,
        onProgress: (p) => {
          if (p.done === 10) throw stop;
        },
      }),
    ).rejects.toBe(stop);
    expect(existsSync(join(out, 'manifest.json'))).toBe(false);
    const stages: string[] = [];
    await buildDataset(manifest(), { out, resume: true, onProgress: (p) => stages.push(p.stage) });
    expect(stages.filter((s) => s === 'reused')).toHaveLength(2);
    expect(stages.filter((s) => s === 'images')).toHaveLength(30 - 8);
    const a = shardFiles(fresh);
    const b = shardFiles(out);
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [name, bytes] of a) expect(bytes.equals(b.get(name)!), name).toBe(true);
    expect(readFileSync(join(out, 'manifest.json'))).toEqual(
      readFileSync(join(fresh, 'manifest.json')),
    );
  });

  it('starts over when the inputs changed since the interrupted build', async () => {
    const out = join(tmp, 'resume-changed');
    const stop = new Error('interrupted');
    await expect(
      buildDataset(manifest(), {
        out,
        onProgress: (p) => {
          if (p.done === 10) throw stop;
        },
      }),
    ).rejects.toBe(stop);
    const stages: string[] = [];
    await buildDataset(manifest({ seed: 7 }), {
      out,
      resume: true,
      onProgress: (p) => stages.push(p.stage),
    });
    expect(stages.filter((s) => s === 'reused')).toHaveLength(0);
  });
});

describe('buildDataset input errors', () => {
  it('refuses an exit-wave folder without its sidecar, writing nothing', async () => {
    const out = join(tmp, 'no-sidecar-out');
    const m = manifest({ exitWaves: [...folders, join(tmp, 'waves', 'missing')] });
    await expect(buildDataset(m, { out })).rejects.toThrow(InputError);
    await expect(buildDataset(m, { out })).rejects.toThrow(/missing: no metadata\.json sidecar/);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses a non-empty folder that holds no dataset, deleting none of its files', async () => {
    const out = join(tmp, 'user-folder');
    mkdirSync(join(out, 'train'), { recursive: true });
    writeFileSync(join(out, 'train', 'mine.txt'), 'keep me');
    await expect(buildDataset(manifest(), { out })).rejects.toThrow(InputError);
    await expect(buildDataset(manifest(), { out })).rejects.toThrow(
      /user-folder is not empty and holds no dataset \(no manifest\.json or build-state\.json\)/,
    );
    expect(readFileSync(join(out, 'train', 'mine.txt'), 'utf8')).toBe('keep me');
  });

  it('refuses exit waves computed at another energy than the domain asks', async () => {
    const out = join(tmp, 'energy-out');
    const m = manifest({
      domain: { ...domainA, condition: { ...domainA.condition, energy: 200e3 } },
    });
    await expect(buildDataset(m, { out })).rejects.toThrow(
      /s0 were computed at 300000 eV but the condition asks for 200000 eV/,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('refuses a pixel size finer than the exit-wave sampling', async () => {
    const out = join(tmp, 'pixel-out');
    const m = manifest({
      domain: {
        ...domainA,
        condition: { ...domainA.condition, pixelSize: { choice: [0.2, 0.05] } },
      },
    });
    await expect(buildDataset(m, { out })).rejects.toThrow(
      new RangeError(
        'pixelSize must be ≥ the exit-wave sampling 0.1 Å of s0 (images are only downsampled), got 0.05 Å',
      ),
    );
    expect(existsSync(out)).toBe(false);
  });

  it('leaves no complete-looking dataset when a rebuild fails half-way', async () => {
    const out = join(tmp, 'half');
    await buildDataset(manifest(), { out });
    expect(DatasetReader.open(out).manifest.complete).toBe(true);
    // Fails when the corrupt structure's images are formed, after other shards were written.
    const failing = manifest({ exitWaves: [...folders, corruptFolder()] });
    await expect(buildDataset(failing, { out })).rejects.toThrow(CORRUPT_ERROR);
    expect(existsSync(join(out, 'manifest.json'))).toBe(false);
    expect(() => DatasetReader.open(out)).toThrow(/not a finished dataset/);
  });

  it('calibrates zero defocus per structure, leaving 0 for a structure with an empty mask', async () => {
    const empty = join(tmp, 'waves', 'empty');
    writeSyntheticExitWaveFolder(
      empty,
      syntheticExitWaveSet({
        shape: [64, 64],
        sampling: [0.1, 0.1],
        energy: E,
        nconf: 1,
        rng: new Rng(9),
        structureId: 'empty',
        blobs: [],
      }),
    );
    expect(loadExitWaveSet(empty).mask.some((v) => v !== 0)).toBe(false);
    const out = join(tmp, 'calibrated');
    const built = await buildDataset(
      manifest({
        domain: { ...domainA, calibrateZeroDefocus: true, calibrationRange: 200 },
        exitWaves: [...folders.slice(0, 4), empty],
        split: { train: 0.6, val: 0.2, test: 0.2 },
        previews: 0,
      }),
      { out },
    );
    const offsets = new Map(built.structures.map((s) => [s.structureId, s.defocusOffset]));
    expect(offsets.get('empty')).toBe(0);
    // The others were searched (±200 Å scan, refined one scan step beyond it at most).
    for (const id of ['s0', 's1', 's2', 's3']) {
      expect(Math.abs(offsets.get(id)!)).toBeLessThanOrEqual(200 + 200 / 15);
      expect(offsets.get(id)).not.toBe(0);
    }
  });

  it('refuses before any work a normal parameter whose mean − 5 std is out of range', () => {
    const domain = {
      ...domainA,
      condition: { ...domainA.condition, dose: { normal: { mean: 10, std: 100 } } },
    };
    expect(() => manifest({ domain })).toThrow(
      /dose must be ≥ 0 e\/Å², got -490 e\/Å² \(at mean − 5 std of the normal distribution of dose; draws are not truncated, so give a smaller std or a uniform range\)/,
    );
  });

  it('reads the example manifest and its domain file', () => {
    const path = fileURLToPath(new URL('../../examples/dataset-manifest.yaml', import.meta.url));
    const m = readManifestFile(path);
    expect(m.domain.name).toBe('df-minus-10nm');
    expect(m.domain.calibrateZeroDefocus).toBe(true);
    expect(m.exitWaves[0]).toBe(join(dirname(path), '..', 'runs', 'waves', 'scene-0000'));
  });

  it('refuses split fractions that do not sum to 1 and unknown manifest keys', () => {
    expect(() => manifest({ split: { train: 0.5, val: 0.2, test: 0.2 } })).toThrow(/must sum to 1/);
    expect(() => parseManifest({ ...manifest(), colour: 'red' })).toThrow(/Unrecognized key/);
    expect(() => readManifestFile(join(tmp, 'nope.yaml'))).toThrow(InputError);
  });
});
