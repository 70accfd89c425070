/**
 * Imaging benchmark: images per second for 512 × 512 images at 0.2 Å formed from 1024 × 1024
 * synthetic exit waves at 0.1 Å with 8 configurations, in quasi-coherent and explicit (25 defocus
 * samples) modes; and the peak resident memory of a 1 000-image dataset build.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../src/core/rng.js';
import { buildDataset, parseManifest } from '../src/dataset/index.js';
import {
  bandLimitExitWaves,
  formImage,
  type PhaseBlob,
  parseImagingCondition,
  syntheticExitWaveSet,
  writeSyntheticExitWaveFolder,
} from '../src/imaging/index.js';

function blobs(rng: Rng, count: number, extent: number): PhaseBlob[] {
  return Array.from({ length: count }, () => ({
    center: [rng.uniform(0, extent), rng.uniform(0, extent)] as [number, number],
    phase: rng.uniform(0.2, 0.8),
    width: rng.uniform(0.3, 0.6),
  }));
}

async function imagesPerSecond(): Promise<void> {
  const rng = new Rng(1);
  // Band-limited to 2/3 of Nyquist like the multislice stage's waves (so |ψ|² needs no padding).
  const set = await bandLimitExitWaves(
    syntheticExitWaveSet({
      shape: [1024, 1024],
      sampling: [0.1, 0.1],
      energy: 300e3,
      nconf: 8,
      jitter: 0.08,
      rng,
      blobs: blobs(rng, 200, 102.4),
    }),
    (2 / 3) * 5,
  );
  const condition = parseImagingCondition({
    energy: 300e3,
    defocus: 100,
    Cs: 1.2e7,
    focalSpread: 10,
    convergenceMrad: 0.2,
    dose: 400,
    pixelSize: 0.2,
    imageSize: [512, 512],
  });
  for (const [mode, repeats] of [
    ['quasi-coherent', 5],
    ['explicit', 2],
  ] as const) {
    const options = { temporalCoherence: mode, defocusSamples: 25 };
    const t0 = performance.now();
    await formImage(set, condition, options, new Rng(0));
    const first = performance.now() - t0;
    const t1 = performance.now();
    for (let i = 0; i < repeats; i++) await formImage(set, condition, options, new Rng(i + 1));
    const each = (performance.now() - t1) / repeats;
    console.log(
      `imaging ${mode}${mode === 'explicit' ? ' (25 defocus samples)' : ''}: 512×512 @0.2 Å from 1024² @0.1 Å, 8 configs: ` +
        `${(1000 / each).toFixed(2)} images/s (${each.toFixed(0)} ms/image; first image of a structure ${first.toFixed(0)} ms incl. spectra)`,
    );
  }
}

async function datasetPeakMemory(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-imaging-'));
  try {
    const folders: string[] = [];
    for (let s = 0; s < 20; s++) {
      const rng = new Rng(100 + s);
      const folder = join(dir, 'waves', `s${s}`);
      const set = await bandLimitExitWaves(
        syntheticExitWaveSet({
          shape: [1024, 1024],
          sampling: [0.1, 0.1],
          energy: 300e3,
          nconf: 2,
          jitter: 0.08,
          rng,
          structureId: `s${s}`,
          blobs: blobs(rng, 60, 102.4),
        }),
        (2 / 3) * 5,
      );
      writeSyntheticExitWaveFolder(folder, set);
      folders.push(folder);
    }
    const manifest = parseManifest({
      domain: {
        name: 'bench',
        condition: {
          energy: 300e3,
          imageSize: [512, 512],
          defocus: { normal: { mean: 100, std: 15 } },
          Cs: 1.2e7,
          focalSpread: 10,
          dose: { uniform: { low: 100, high: 600 } },
          pixelSize: 0.2,
        },
      },
      exitWaves: folders,
      imagesPerStructure: 50,
      seed: 1,
      shardSize: 64,
    });
    let peak = process.memoryUsage().rss;
    const before = peak;
    const poll = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    const t0 = performance.now();
    await buildDataset(manifest, {
      out: join(dir, 'dataset'),
      onProgress: () => {
        peak = Math.max(peak, process.memoryUsage().rss);
      },
    });
    clearInterval(poll);
    const seconds = (performance.now() - t0) / 1000;
    const mib = (b: number) => (b / 2 ** 20).toFixed(0);
    console.log(
      `dataset build: 1000 images 512×512 from 20 structures (1024² @0.1 Å, 2 configs), shards of 64: ` +
        `${seconds.toFixed(1)} s, peak RSS ${mib(peak)} MiB, ${mib(peak - before)} MiB above the RSS before ` +
        `(${mib(before)} MiB); holding all images and masks would take ${mib(1000 * 512 * 512 * 5)} MiB`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the imaging benchmarks and prints their results. */
export async function run(): Promise<void> {
  await imagesPerSecond();
  await datasetPeakMemory();
}

if (process.argv[1]?.endsWith('imaging.ts')) await run();
