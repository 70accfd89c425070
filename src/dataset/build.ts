/**
 * Builds a dataset of recorded images and masks from exit-wave folders and a domain.
 *
 * Layout of the output folder:
 *   manifest.json                  written last, with `complete: true`; a folder without it is
 *                                  an unfinished build and must not be used
 *   <split>/images-NNNNN.npy       float32 (n, h, w)
 *   <split>/masks-NNNNN.npy        uint8 (n, h, w), 0/1
 *   <split>/samples-NNNNN.json     one record per image: structure id, seed, drawn condition, …
 *   previews/NNNNN.png             image (min–max scaled) beside its mask, first training images
 * with <split> one of train, val, test. Splits are made by structure: every image of a structure
 * is in the same split.
 *
 * Reproducibility: image k of structure s uses the generator `Rng(seed).fork('image/<s>/<k>')`;
 * its condition draws from `.fork('condition')`, its noise and crop from the same generator (see
 * `formImage`). The same manifest and seed give byte-identical shards.
 *
 * Memory: one exit-wave set (and its spectra) and one shard of images at a time.
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { writeFileAtomic } from '../core/atomic-write.js';
import { InputError, requireInteger } from '../core/errors.js';
import { readNpy, writeNpy } from '../core/npy.js';
import { Rng } from '../core/rng.js';
import {
  checkEnergy,
  type Domain,
  domainWaveBand,
  type ExitWaveHeader,
  type ExitWaveSet,
  readExitWaveHeader,
  resampledShape,
  supportEnds,
} from '../imaging/index.js';
import { type Manifest, SPLITS, type SplitName } from './manifest.js';
import { InlineRunner, type SampleRunner, WorkerRunner } from './runner.js';
import type { JobResult, Sample, SampleJob, SampleRecord } from './samples.js';

/** Name of the marker file of a finished dataset. */
export const DATASET_MANIFEST = 'manifest.json';
/** Build state of an unfinished build (its inputs' fingerprint, for resuming). */
export const BUILD_STATE = 'build-state.json';
/** Format tag in manifest.json. */
export const DATASET_FORMAT = 'hrtem-ood dataset';

/** One shard's files and size. */
export interface ShardEntry {
  images: string;
  masks: string;
  samples: string;
  count: number;
}

/** Contents of manifest.json in a finished dataset. */
export interface DatasetManifest {
  format: typeof DATASET_FORMAT;
  formatVersion: 1;
  codeVersion: string;
  complete: true;
  name: string | null;
  seed: number;
  imagesPerStructure: number;
  shardSize: number;
  imageShape: [number, number];
  standardized: boolean;
  domain: Domain;
  split: Manifest['split'];
  structures: {
    structureId: string;
    source: string;
    split: SplitName;
    defocusOffset: number;
  }[];
  splits: Record<SplitName, { count: number; shards: ShardEntry[] }>;
  previews: string[];
}

/** Callbacks and output folder of a build. */
export interface BuildOptions {
  /** Output folder (created). */
  out: string;
  /**
   * Worker threads forming images (default 1: in this thread). Results are identical for any
   * number; each worker holds one exit-wave set and its spectra.
   */
  workers?: number;
  /**
   * Keep the shards of an interrupted build with the same inputs (manifest, exit-wave sidecars,
   * code version) and form only the missing ones (default false: start over).
   */
  resume?: boolean;
  onProgress?: (p: { stage: string; done: number; total: number }) => void;
  onWarning?: (w: { code: string; message: string }) => void;
}

/**
 * Builds a dataset. Everything is checked before anything is written: the domain, every
 * exit-wave sidecar, energies, pixel sizes and image sizes. An existing manifest.json in `out` is
 * removed first and written again only when every shard is in place.
 * @returns the manifest.json contents
 * @throws InputError for a missing sidecar or duplicate structure ids; RangeError for an energy
 *   mismatch, a pixel size finer than the exit waves or an image larger than the resampled field
 */
export async function buildDataset(
  manifest: Manifest,
  options: BuildOptions,
): Promise<DatasetManifest> {
  const headers = checkInputs(manifest);
  for (const h of headers.filter((x) => !x.hasMask)) {
    options.onWarning?.({
      code: 'no-mask',
      message: `the exit-wave folder of ${h.structureId} (${h.dir}) has no labels-union.npy; its masks will be empty`,
    });
  }
  // Waves stored to less than their simulated band (a sweep's storageBand) lose what lies beyond
  // it; say so when this domain's images could depend on that part.
  const needed = domainWaveBand(manifest.domain);
  const narrow = headers.filter(
    (h) =>
      h.band !== undefined &&
      h.simulatedBand !== undefined &&
      h.band < h.simulatedBand * (1 - 1e-9) &&
      needed > h.band * (1 + 1e-9),
  );
  if (narrow.length > 0) {
    const h = narrow[0];
    options.onWarning?.({
      code: 'wave-band-cropped',
      message: `${narrow.length} exit-wave folder(s), e.g. that of ${h.structureId}, were stored to ${h.band} 1/Å of their simulated ${h.simulatedBand?.toFixed(2)} 1/Å, but domain '${manifest.domain.name}' transfers more than 1e-3 up to ${Number.isFinite(needed) ? `${needed.toFixed(2)} 1/Å` : 'the whole band'}; its images miss that part (simulate with a wider storage band)`,
    });
  }
  const assignment = assignSplits(headers, manifest, options.onWarning);
  const fingerprint = buildFingerprint(manifest, headers);
  const resuming = options.resume === true && readBuildState(options.out) === fingerprint;
  const workers = options.workers ?? 1;
  requireInteger('workers', workers, 1);
  prepareOutput(options.out, resuming);
  writeFileAtomic(join(options.out, BUILD_STATE), `${JSON.stringify({ fingerprint })}\n`);

  const domain = manifest.domain;
  const runner: SampleRunner =
    workers > 1
      ? new WorkerRunner(workers, { domain, seed: manifest.seed })
      : new InlineRunner(domain, manifest.seed);
  const progress = { done: 0, total: headers.length * manifest.imagesPerStructure };
  const reusedOffsets = new Map<string, number>();
  const splits = {} as DatasetManifest['splits'];
  try {
    for (const split of SPLITS) {
      const items = assignment[split].flatMap((header) =>
        Array.from({ length: manifest.imagesPerStructure }, (_, k) => ({ header, k })),
      );
      const writer = new ShardWriter(
        options.out,
        split,
        manifest.shardSize,
        domain.condition.imageSize,
      );
      await buildSplit(items, writer, runner, {
        resuming,
        lookahead: 2 * workers,
        reusedOffsets,
        progress,
        onProgress: options.onProgress,
      });
      splits[split] = writer.close();
    }
  } finally {
    await runner.close();
  }
  const offsetOf = (id: string) => runner.offsets.get(id) ?? reusedOffsets.get(id) ?? 0;
  const structures = SPLITS.flatMap((split) =>
    assignment[split].map((h) => ({
      structureId: h.structureId,
      source: h.dir,
      split,
      defocusOffset: offsetOf(h.structureId),
    })),
  );

  const previews = await writePreviews(options.out, splits.train.shards, manifest.previews, domain);
  const result: DatasetManifest = {
    format: DATASET_FORMAT,
    formatVersion: 1,
    codeVersion: packageVersion(),
    complete: true,
    name: manifest.name ?? null,
    seed: manifest.seed,
    imagesPerStructure: manifest.imagesPerStructure,
    shardSize: manifest.shardSize,
    imageShape: [domain.condition.imageSize[0], domain.condition.imageSize[1]],
    standardized: domain.standardize,
    domain,
    split: manifest.split,
    structures,
    splits,
    previews,
  };
  writeFileAtomic(join(options.out, DATASET_MANIFEST), `${JSON.stringify(result, null, 2)}\n`);
  rmSync(join(options.out, BUILD_STATE), { force: true });
  return result;
}

interface SplitContext {
  resuming: boolean;
  /** How many jobs may run ahead of the one being written. */
  lookahead: number;
  reusedOffsets: Map<string, number>;
  progress: { done: number; total: number };
  onProgress: BuildOptions['onProgress'];
}

/**
 * Writes one split shard by shard, in order. Shards kept from an interrupted build are taken as
 * they are; the others are formed as jobs (runs of one structure's images) that run ahead of the
 * writer by at most `lookahead` jobs, which bounds the images held in memory.
 */
async function buildSplit(
  items: { header: ExitWaveHeader; k: number }[],
  writer: ShardWriter,
  runner: SampleRunner,
  context: SplitContext,
): Promise<void> {
  const chunks: (typeof items)[] = [];
  for (let start = 0; start < items.length; start += writer.size) {
    chunks.push(items.slice(start, start + writer.size));
  }
  const plan = chunks.map((chunk, index) =>
    context.resuming && writer.canReuse(index, chunk) ? null : jobsOf(chunk, writer.split),
  );
  const jobs = plan.flatMap((p) => p ?? []);
  const started: (Promise<JobResult> | undefined)[] = [];
  let next = 0;
  let consumed = 0;
  const startUpTo = (limit: number) => {
    for (; next < Math.min(limit, jobs.length); next++) {
      const promise = runner.run(jobs[next]);
      promise.catch(() => {}); // awaited in order below; avoid an unhandled rejection meanwhile
      started[next] = promise;
    }
  };
  const { progress } = context;
  for (let c = 0; c < chunks.length; c++) {
    const chunkJobs = plan[c];
    if (chunkJobs === null) {
      const records = writer.reuse(chunks[c]);
      if (!records) throw new Error(`shard ${c} of ${writer.split} changed during the build`);
      for (const r of records) context.reusedOffsets.set(r.structureId, r.defocusOffset);
      progress.done += records.length;
      context.onProgress?.({ stage: 'reused', ...progress });
      continue;
    }
    for (let j = 0; j < chunkJobs.length; j++) {
      startUpTo(consumed + context.lookahead);
      const result = await started[consumed]!;
      started[consumed++] = undefined;
      for (const sample of result.samples) {
        writer.add(sample);
        progress.done++;
        context.onProgress?.({ stage: 'images', ...progress });
      }
    }
  }
}

/** Groups consecutive images of the same structure into jobs. */
function jobsOf(chunk: { header: ExitWaveHeader; k: number }[], split: SplitName): SampleJob[] {
  const jobs: SampleJob[] = [];
  for (const { header, k } of chunk) {
    const last = jobs.at(-1);
    if (last && last.header.dir === header.dir) last.imageIndices.push(k);
    else jobs.push({ header, split, imageIndices: [k] });
  }
  return jobs;
}

/** Reads every sidecar and checks energies, pixel sizes and image sizes before any output. */
function checkInputs(manifest: Manifest): ExitWaveHeader[] {
  const domain = manifest.domain;
  const headers = manifest.exitWaves.map((dir) => readExitWaveHeader(dir));
  const seen = new Map<string, string>();
  const pixelSizes = supportEnds(domain.condition.pixelSize);
  for (const header of headers) {
    const previous = seen.get(header.structureId);
    if (previous !== undefined) {
      throw new InputError(
        `structure id '${header.structureId}' appears twice (${previous} and ${header.dir}); each exit-wave folder must hold a different structure`,
      );
    }
    seen.set(header.structureId, header.dir);
    checkEnergy(header, domain.condition.energy);
    const probe = {
      shape: [header.shape[1], header.shape[2]] as [number, number],
      sampling: header.sampling,
      structureId: header.structureId,
    } as ExitWaveSet;
    for (const pixelSize of pixelSizes) {
      const [my, mx] = resampledShape(probe, pixelSize);
      const [h, w] = domain.condition.imageSize;
      if (h > my || w > mx) {
        throw new RangeError(
          `imageSize (${h}, ${w}) px must fit the resampled field (${my}, ${mx}) px of ${header.structureId} at pixelSize ${pixelSize} Å`,
        );
      }
    }
  }
  return headers;
}

/**
 * Splits structures: a seeded shuffle, then the first round(N·train) to train, the next
 * round(N·val) to val, the rest to test.
 */
export function assignSplits(
  headers: ExitWaveHeader[],
  manifest: Pick<Manifest, 'seed' | 'split'>,
  onWarning?: BuildOptions['onWarning'],
): Record<SplitName, ExitWaveHeader[]> {
  const order = [...headers].sort((a, b) => (a.structureId < b.structureId ? -1 : 1));
  const rng = new Rng(manifest.seed).fork('split');
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const n = order.length;
  const nTrain = Math.round(n * manifest.split.train);
  const nVal = Math.min(n - nTrain, Math.round(n * manifest.split.val));
  const result = {
    train: order.slice(0, nTrain),
    val: order.slice(nTrain, nTrain + nVal),
    test: order.slice(nTrain + nVal),
  };
  for (const split of SPLITS) {
    if (manifest.split[split] > 0 && result[split].length === 0) {
      onWarning?.({
        code: 'empty-split',
        message: `split '${split}' asks for ${manifest.split[split]} of ${n} structures but gets none`,
      });
    }
  }
  return result;
}

/**
 * Removes a previous build's marker and, unless resuming, its shards (only files this stage
 * writes).
 */
function prepareOutput(out: string, keepShards: boolean): void {
  // Only a folder that is new, empty or an earlier build of a dataset is ours to clear.
  if (existsSync(out)) {
    const entries = readdirSync(out);
    const ours = entries.includes(DATASET_MANIFEST) || entries.includes(BUILD_STATE);
    if (entries.length > 0 && !ours) {
      throw new InputError(
        `dataset output folder ${out} is not empty and holds no dataset (no ${DATASET_MANIFEST} or ${BUILD_STATE}); ` +
          'give a new or empty folder, so that no other files are overwritten',
      );
    }
  }
  const marker = join(out, DATASET_MANIFEST);
  if (existsSync(marker)) rmSync(marker);
  rmSync(join(out, 'previews'), { recursive: true, force: true });
  if (keepShards) return;
  for (const dir of SPLITS) rmSync(join(out, dir), { recursive: true, force: true });
}

/** What a build depends on; a build resumes only shards written under the same fingerprint. */
function buildFingerprint(manifest: Manifest, headers: ExitWaveHeader[]): string {
  const { name: _name, previews: _previews, ...inputs } = manifest;
  return JSON.stringify({ inputs, headers, codeVersion: packageVersion() });
}

function readBuildState(out: string): string | null {
  try {
    return (JSON.parse(readFileSync(join(out, BUILD_STATE), 'utf8')) as { fingerprint: string })
      .fingerprint;
  } catch {
    return null;
  }
}

/** Collects images into fixed-size shards and writes each when full. */
class ShardWriter {
  private readonly images: Float32Array;
  private readonly masks: Uint8Array;
  private records: SampleRecord[] = [];
  private readonly shards: ShardEntry[] = [];
  private count = 0;

  constructor(
    private readonly out: string,
    readonly split: SplitName,
    readonly size: number,
    private readonly shape: [number, number],
  ) {
    this.images = new Float32Array(size * shape[0] * shape[1]);
    this.masks = new Uint8Array(size * shape[0] * shape[1]);
  }

  add(sample: Sample): void {
    const offset = this.records.length;
    const pixels = this.shape[0] * this.shape[1];
    this.images.set(sample.image, offset * pixels);
    this.masks.set(sample.mask, offset * pixels);
    this.records.push({
      ...sample.record,
      index: this.count++,
      shard: this.shards.length,
      offset,
    });
    if (this.records.length === this.size) this.flush();
  }

  /**
   * Takes the next shard from disk instead of forming it, if its three files exist and its
   * records name exactly these (structure, image index) pairs; returns the records, else null.
   */
  reuse(chunk: { header: ExitWaveHeader; k: number }[]): SampleRecord[] | null {
    if (this.records.length > 0) return null;
    const records = this.matchingRecords(this.shards.length, chunk);
    if (!records) return null;
    this.shards.push(this.entry(records.length));
    this.count += records.length;
    return records;
  }

  /** True if shard `index` on disk holds exactly these images (see `reuse`). */
  canReuse(index: number, chunk: { header: ExitWaveHeader; k: number }[]): boolean {
    return this.matchingRecords(index, chunk) !== null;
  }

  private matchingRecords(
    index: number,
    chunk: { header: ExitWaveHeader; k: number }[],
  ): SampleRecord[] | null {
    const entry = this.entry(chunk.length, index);
    const pixels = this.shape[0] * this.shape[1] * chunk.length;
    try {
      const records = JSON.parse(
        readFileSync(join(this.out, entry.samples), 'utf8'),
      ) as SampleRecord[];
      const matches =
        records.length === chunk.length &&
        records.every(
          (r, i) => r.structureId === chunk[i].header.structureId && r.imageIndex === chunk[i].k,
        );
      if (!matches) return null;
      if (statSync(join(this.out, entry.images)).size < 4 * pixels) return null;
      if (statSync(join(this.out, entry.masks)).size < pixels) return null;
      return records;
    } catch {
      return null;
    }
  }

  close(): { count: number; shards: ShardEntry[] } {
    if (this.records.length > 0) this.flush();
    return { count: this.count, shards: this.shards };
  }

  private entry(count: number, index = this.shards.length): ShardEntry {
    const stem = String(index).padStart(5, '0');
    return {
      images: `${this.split}/images-${stem}.npy`,
      masks: `${this.split}/masks-${stem}.npy`,
      samples: `${this.split}/samples-${stem}.json`,
      count,
    };
  }

  private flush(): void {
    const n = this.records.length;
    const pixels = this.shape[0] * this.shape[1];
    const entry = this.entry(n);
    writeNpy(join(this.out, entry.images), {
      dtype: '<f4',
      shape: [n, ...this.shape],
      data: this.images.subarray(0, n * pixels),
    });
    writeNpy(join(this.out, entry.masks), {
      dtype: '|u1',
      shape: [n, ...this.shape],
      data: this.masks.subarray(0, n * pixels),
    });
    writeFileAtomic(join(this.out, entry.samples), `${JSON.stringify(this.records, null, 1)}\n`);
    this.shards.push(entry);
    this.records = [];
  }
}

/** Writes PNGs of the first training images (min–max scaled) beside their masks. */
async function writePreviews(
  out: string,
  shards: ShardEntry[],
  count: number,
  domain: Domain,
): Promise<string[]> {
  if (count === 0 || shards.length === 0) return [];
  const [h, w] = domain.condition.imageSize;
  const images = readNpy(join(out, shards[0].images)).data as Float32Array;
  const masks = readNpy(join(out, shards[0].masks)).data as Uint8Array;
  const n = Math.min(count, shards[0].count);
  const names: string[] = [];
  for (let i = 0; i < n; i++) {
    const image = images.subarray(i * h * w, (i + 1) * h * w);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of image) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    const scale = hi > lo ? 255 / (hi - lo) : 0;
    const pixels = Buffer.alloc(h * 2 * w);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        pixels[y * 2 * w + x] = Math.round((image[y * w + x] - lo) * scale);
        pixels[y * 2 * w + w + x] = masks[i * h * w + y * w + x] ? 255 : 0;
      }
    }
    const png = await sharp(pixels, { raw: { width: 2 * w, height: h, channels: 1 } })
      .png()
      .toBuffer();
    const name = `previews/${String(i).padStart(5, '0')}.png`;
    writeFileAtomic(join(out, name), png);
    names.push(name);
  }
  return names;
}

function packageVersion(): string {
  const url = new URL('../../package.json', import.meta.url);
  try {
    return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
