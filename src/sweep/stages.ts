/**
 * The sweep's stages as task kinds. This module is the registry module the sweep runners load in
 * every worker: importing it registers each kind once.
 *
 *   structure → exit-wave → dataset (one per domain) → train (one per run and seed)
 *             → evaluate (one per trained model, every evaluation domain) → analysis
 *   exit-wave → spectrum (object power spectrum for the CTF framework) → analysis
 *
 * Every kind is deterministic given its parameters, inputs and seed, so a task rerun after a crash
 * writes the same bytes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-write.js';
import { Fft2 } from '../core/fft.js';
import { writeNpy } from '../core/npy.js';
import { Rng } from '../core/rng.js';
import { buildDataset, DATASET_MANIFEST, DatasetReader, type SplitName } from '../dataset/index.js';
import type { Domain } from '../imaging/index.js';
import { readExitWaveSet, simulateScene, writeExitWaveSet } from '../multislice/index.js';
import {
  bottleneckFeatures,
  createUNet,
  evaluateModel,
  initBackend,
  loadModel,
  predict,
  type SegmentationData,
  saveModel,
  trainModel,
} from '../segmentation/index.js';
import {
  formatExtendedXyz,
  parseExtendedXyz,
  type StructureSpec,
  sampleScene,
} from '../structures/index.js';
import type { JsonValue } from './canonical-json.js';
import type { SweepDomain, SweepFile } from './sweep-file.js';
import { registerTaskKind, type TaskInput } from './task-kind.js';

/** Parameters of a `structure` task. */
export interface StructureParams {
  set: string;
  index: number;
  seed: number;
  spec: StructureSpec;
}

/** Parameters of an `exit-wave` task (input: its structure). */
export interface ExitWaveParams {
  /** The sweep's simulation settings with the storage band resolved (absent: keep the whole band). */
  simulation: Omit<SweepFile['simulation'], 'storageBand'> & { storageBand?: number };
}

/** Parameters of a `dataset` task (inputs: the exit waves of the domain's structure set). */
export interface DatasetParams {
  domain: Domain;
  dataset: SweepFile['dataset'];
  seed: number;
}

/** Parameters of a `train` task (inputs: the datasets of `domains`, in order). */
export interface TrainParams {
  run: string;
  trainDomains: string[];
  domains: string[];
  seed: number;
  training: Omit<SweepFile['training'], 'runs' | 'seeds'>;
}

/** Parameters of an `evaluate` task (inputs: the trained model, then the datasets of `domains`). */
export interface EvaluateParams {
  domains: string[];
  examples: number;
  backend: SweepFile['training']['backend'];
}

/** Parameters of a `spectrum` task (inputs: exit waves). */
export interface SpectrumParams {
  /** Highest frequency [1/Å]. */
  kMax: number;
  bins: number;
}

const asParams = <T>(p: JsonValue) => p as unknown as T;

registerTaskKind({
  kind: 'structure',
  version: '1',
  async run(params, _inputs, ctx) {
    const p = asParams<StructureParams>(params);
    const rng = new Rng(p.seed).fork(`structures/${p.set}/${p.index}`);
    const warnings: string[] = [];
    const { atoms, metadata } = sampleScene(p.spec, rng, {
      onWarning: (w) => warnings.push(w.message),
    });
    const structureId = `${p.set}-${String(p.index).padStart(4, '0')}`;
    writeFileAtomic(join(ctx.outDir, 'scene.xyz'), formatExtendedXyz(atoms));
    writeFileAtomic(
      join(ctx.outDir, 'scene.json'),
      `${JSON.stringify({ structureId, ...metadata }, null, 2)}\n`,
    );
    return { structureId, atoms: atoms.numbers.length, warnings };
  },
});

registerTaskKind({
  kind: 'exit-wave',
  version: '1',
  async run(params, inputs, ctx) {
    const sim = asParams<ExitWaveParams>(params).simulation;
    const structure = only(inputs, 'structure');
    const structureId = (structure.result as { structureId: string }).structureId;
    const warnings: { code: string; message: string }[] = [];
    const atoms = parseExtendedXyz(
      readFileSync(join(structure.dir, 'scene.xyz'), 'utf8'),
      'scene.xyz',
    );
    const set = await simulateScene(
      atoms,
      {
        settings: {
          energy: sim.energy,
          sampling: sim.sampling,
          sliceThickness: sim.sliceThickness,
          parametrization: sim.parametrization,
          phonons:
            sim.phonons > 1
              ? { configurations: sim.phonons, seed: ctx.seed, rms: sim.phononRms }
              : undefined,
          structureId,
        },
        labels: {
          mode: sim.labels.mode,
          threshold: sim.labels.threshold,
          smoothing: sim.labels.smoothing,
          secondThreshold: sim.labels.secondThreshold,
        },
        storageBand: sim.storageBand,
      },
      { onProgress: ctx.onProgress, onWarning: (w) => warnings.push({ ...w }) },
    );
    writeExitWaveSet(ctx.outDir, set);
    return { structureId, shape: set.shape, sampling: set.metadata.sampling, warnings };
  },
});

registerTaskKind({
  kind: 'dataset',
  version: '2',
  async run(params, inputs, ctx) {
    const p = asParams<DatasetParams>(params);
    const out = join(ctx.outDir, 'data');
    const warnings: { code: string; message: string }[] = [];
    const manifest = await buildDataset(
      {
        name: p.domain.name,
        domain: p.domain,
        exitWaves: inputs.map((i) => i.dir),
        imagesPerStructure: p.dataset.imagesPerStructure,
        seed: p.seed,
        split: p.dataset.split,
        shardSize: p.dataset.shardSize,
        previews: 0,
      },
      { out, onProgress: ctx.onProgress, onWarning: (w) => warnings.push({ ...w }) },
    );
    // The builder records each exit-wave folder's absolute path; an artefact must not depend on
    // where the store lies (another output folder, a cache, a cluster mount), so each source is
    // rewritten as `exit-wave/<key>`, relative to the artefact root.
    const sourceOf = new Map(inputs.map((i) => [i.dir, `${i.kind}/${i.key}`]));
    const structures = manifest.structures.map((s) => {
      const source = sourceOf.get(s.source);
      if (source === undefined) {
        throw new Error(`internal: dataset source ${s.source} is none of this task's inputs`);
      }
      return { ...s, source };
    });
    writeFileAtomic(
      join(out, DATASET_MANIFEST),
      `${JSON.stringify({ ...manifest, structures }, null, 2)}\n`,
    );
    return {
      domain: p.domain.name,
      counts: {
        train: manifest.splits.train.count,
        val: manifest.splits.val.count,
        test: manifest.splits.test.count,
      },
      ...(warnings.length > 0 ? { warnings } : {}),
    };
  },
});

/** Reads a whole split of a dataset artefact into memory. */
export function readSplit(datasetDir: string, split: SplitName): SegmentationData {
  const reader = DatasetReader.open(join(datasetDir, 'data'));
  const n = reader.count(split);
  const [h, w] = reader.manifest.imageShape;
  const images = new Float32Array(n * h * w);
  const masks = new Uint8Array(n * h * w);
  for (let i = 0; i < n; i++) {
    const sample = reader.read(split, i);
    images.set(sample.image, i * h * w);
    masks.set(sample.mask, i * h * w);
  }
  return { images, masks, shape: [n, h, w] };
}

/** Concatenates datasets of equal image shape. */
function concat(sets: SegmentationData[]): SegmentationData {
  const [, h, w] = sets[0].shape;
  const n = sets.reduce((s, d) => s + d.shape[0], 0);
  const images = new Float32Array(n * h * w);
  const masks = new Uint8Array(n * h * w);
  let offset = 0;
  for (const d of sets) {
    if (d.shape[1] !== h || d.shape[2] !== w) {
      throw new TypeError(
        `training domains must share one image size, got ${h}×${w} and ${d.shape[1]}×${d.shape[2]}`,
      );
    }
    images.set(d.images, offset);
    masks.set(d.masks!, offset);
    offset += d.images.length;
  }
  return { images, masks, shape: [n, h, w] };
}

registerTaskKind({
  kind: 'train',
  version: '2',
  async run(params, inputs, ctx) {
    const p = asParams<TrainParams>(params);
    const dirOf = new Map(p.domains.map((d, i) => [d, inputs[i].dir]));
    const backend = await initBackend(p.training.backend);
    const data = concat(p.trainDomains.map((d) => readSplit(dirOf.get(d)!, 'train')));
    const validation = Object.fromEntries(
      p.domains.map((d) => [d, readSplit(dirOf.get(d)!, 'val')]),
    );
    const unet = createUNet({ ...p.training.model, seed: p.seed });
    try {
      const history = await trainModel(unet, data, {
        epochs: p.training.epochs,
        batchSize: p.training.batchSize,
        learningRate: p.training.learningRate,
        augment: p.training.augment,
        seed: p.seed,
        validation,
        onProgress: (e) => {
          if (e.stage === 'train')
            ctx.onProgress({ stage: `train epoch ${e.epoch}`, done: e.done, total: e.total });
        },
      });
      await saveModel(join(ctx.outDir, 'model'), unet, {
        trainDomain: p.run,
        trainDomains: p.trainDomains,
        seed: p.seed,
      } as never);
      // Wall-clock epoch times stay out of the artefact so a rerun writes the same bytes; the
      // task's run time is in the state database (duration_ms).
      const epochs = history.epochs.map(({ trainMs: _trainMs, ...epoch }) => epoch);
      writeFileAtomic(
        join(ctx.outDir, 'history.json'),
        `${JSON.stringify({ ...history, epochs }, null, 2)}\n`,
      );
      const last = history.epochs[history.epochs.length - 1];
      return {
        run: p.run,
        seed: p.seed,
        backend: backend.backend,
        trainImages: data.shape[0],
        epochs: history.epochs.length,
        finalTrainLoss: last.trainLoss,
        validationLoss: Object.fromEntries(
          Object.entries(last.validation).map(([d, m]) => [d, m.loss]),
        ),
      };
    } finally {
      unet.model.dispose();
    }
  },
});

registerTaskKind({
  kind: 'evaluate',
  version: '2',
  async run(params, inputs, ctx) {
    const p = asParams<EvaluateParams>(params);
    const [trained, ...datasets] = inputs;
    await initBackend(p.backend);
    const unet = await loadModel(join(trained.dir, 'model'));
    const results: Record<string, JsonValue> = {};
    try {
      for (const [i, domain] of p.domains.entries()) {
        const data = readSplit(datasets[i].dir, 'test');
        const report = await evaluateModel(unet, data);
        results[domain] = {
          n: data.shape[0],
          ...report.pooled,
          perImageLoss: report.perImage.map((m) => m.loss),
          perImageF1: report.perImage.map((m) => m.f1),
        };
        const { features, channels } = await bottleneckFeatures(unet, data);
        writeNpy(join(ctx.outDir, `features-${safeName(domain)}.npy`), {
          dtype: '<f4',
          shape: [data.shape[0], channels],
          data: features,
        });
        const k = Math.min(p.examples, data.shape[0]);
        if (k > 0) {
          const [, h, w] = data.shape;
          const subset: SegmentationData = {
            images: data.images.slice(0, k * h * w),
            shape: [k, h, w],
          };
          const probability = await predict(unet, subset);
          writeNpy(join(ctx.outDir, `predictions-${safeName(domain)}.npy`), {
            dtype: '<f4',
            shape: [k, h, w],
            data: Float32Array.from(probability),
          });
        }
        ctx.onProgress({ stage: 'evaluate', done: i + 1, total: p.domains.length });
      }
    } finally {
      unet.model.dispose();
    }
    writeFileAtomic(join(ctx.outDir, 'metrics.json'), `${JSON.stringify(results, null, 2)}\n`);
    return Object.fromEntries(
      Object.entries(results).map(([d, r]) => {
        const m = r as { loss: number; f1: number; n: number };
        return [d, { loss: m.loss, f1: m.f1, n: m.n }];
      }),
    );
  },
});

/** A file-name-safe version of a domain name. */
export function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}

registerTaskKind({
  kind: 'spectrum',
  version: '1',
  async run(params, inputs, ctx) {
    const p = asParams<SpectrumParams>(params);
    const power = new Float64Array(p.bins);
    const counts = new Float64Array(p.bins);
    for (const [n, input] of inputs.entries()) {
      await accumulateSpectrum(input.dir, p, power, counts);
      ctx.onProgress({ stage: 'spectrum', done: n + 1, total: inputs.length });
    }
    const k = Array.from({ length: p.bins }, (_, i) => ((i + 0.5) * p.kMax) / p.bins);
    const w = Array.from(power, (s, i) => (counts[i] > 0 ? s / counts[i] : 0));
    writeFileAtomic(join(ctx.outDir, 'spectrum.json'), `${JSON.stringify({ k, power: w })}\n`);
    return { bins: p.bins, kMax: p.kMax, structures: inputs.length };
  },
});

/**
 * Adds the azimuthally binned |FFT(ψ − ⟨ψ⟩)|² of an exit-wave set's first configuration: the
 * object's scattered-wave power spectrum, which for a weak phase object equals |φ̃(k)|².
 */
async function accumulateSpectrum(
  dir: string,
  p: SpectrumParams,
  power: Float64Array,
  counts: Float64Array,
): Promise<void> {
  const set = readExitWaveSet(dir);
  const [, ny, nx] = set.shape;
  const [sy, sx] = set.metadata.sampling;
  const field = set.waves.slice(0, 2 * ny * nx);
  let mr = 0;
  let mi = 0;
  for (let i = 0; i < ny * nx; i++) {
    mr += field[2 * i];
    mi += field[2 * i + 1];
  }
  mr /= ny * nx;
  mi /= ny * nx;
  for (let i = 0; i < ny * nx; i++) {
    field[2 * i] -= mr;
    field[2 * i + 1] -= mi;
  }
  let fft = fftCache.get(`${ny}x${nx}`);
  if (!fft) {
    fft = await Fft2.create(ny, nx);
    fftCache.set(`${ny}x${nx}`, fft);
  }
  fft.forward(field);
  for (let iy = 0; iy < ny; iy++) {
    const ky = (iy < ny / 2 ? iy : iy - ny) / (ny * sy);
    for (let ix = 0; ix < nx; ix++) {
      const kx = (ix < nx / 2 ? ix : ix - nx) / (nx * sx);
      const bin = Math.floor((Math.hypot(kx, ky) / p.kMax) * p.bins);
      if (bin >= p.bins) continue;
      const j = 2 * (iy * nx + ix);
      power[bin] += field[j] * field[j] + field[j + 1] * field[j + 1];
      counts[bin] += 1;
    }
  }
}

const fftCache = new Map<string, Fft2>();

/** Returns the single input of a given kind. */
function only(inputs: TaskInput[], kind: string): TaskInput {
  const found = inputs.filter((i) => i.kind === kind);
  if (found.length !== 1)
    throw new Error(`internal: expected one '${kind}' input, got ${found.length}`);
  return found[0];
}

/** The imaging domain of a sweep domain (the sweep's `structures` key removed). */
export function imagingDomain(domain: SweepDomain): Domain {
  const { structures: _structures, ...rest } = domain;
  return rest as Domain;
}

import './study-analysis.js';
