/**
 * Forming the images of a dataset, shared by the in-process path and the worker threads: one
 * structure's exit waves at a time, each image from its own seeded generator.
 */
import type { Rng } from '../core/rng.js';
import {
  calibrateZeroDefocus,
  checkEnergy,
  type Domain,
  type ExitWaveHeader,
  type ExitWaveSet,
  type FormImageOptions,
  formImage,
  hasParticleMask,
  type ImagingConditionInput,
  loadExitWaveSet,
  nominalCondition,
  sampleCondition,
} from '../imaging/index.js';
import type { SplitName } from './manifest.js';

/** One image's record in samples-NNNNN.json. */
export interface SampleRecord {
  split: SplitName;
  /** Index within its split. */
  index: number;
  shard: number;
  /** Index within its shard. */
  offset: number;
  structureId: string;
  /** Index of the image among its structure's images. */
  imageIndex: number;
  /** Seed of the image's generator: `new Rng(seed)` reproduces its condition, noise and crop. */
  seed: number;
  /** The drawn condition, in `parseImagingCondition` input form (defocus as drawn). */
  condition: ImagingConditionInput;
  /** Zero-defocus calibration offset Δf₀ [Å] added to the drawn defocus (0 if not calibrated). */
  defocusOffset: number;
  /** Defocus [Å] the image was formed at. */
  defocus: number;
  /** Actual pixel size (py, px) [Å]. */
  pixelSize: [number, number];
  cropOrigin: [number, number];
  /** Mean and std removed by per-image standardisation, or null (raw counts/intensities). */
  standardization: { mean: number; std: number } | null;
}

/** A formed image with its record, before it is placed in a shard. */
export interface Sample {
  image: Float32Array;
  mask: Uint8Array;
  record: Omit<SampleRecord, 'index' | 'shard' | 'offset'>;
}

/**
 * Forms image k of a structure.
 * @param root the dataset's generator `Rng(seed)`; the image uses `root.fork('image/<id>/<k>')`
 */
export async function makeSample(
  set: ExitWaveSet,
  domain: Domain,
  root: Rng,
  k: number,
  defocusOffset: number,
  split: SplitName,
): Promise<Sample> {
  const rng = root.fork(`image/${set.structureId}/${k}`);
  const condition = sampleCondition(domain, rng.fork('condition'));
  const formOptions: FormImageOptions = {
    temporalCoherence: domain.temporalCoherence,
    defocusSamples: domain.defocusSamples,
    defocusExtent: domain.defocusExtent,
    medianFilter: domain.medianFilter,
    standardize: domain.standardize,
    defocusOffset,
  };
  const formed = await formImage(set, condition, formOptions, rng);
  return {
    image: formed.image,
    mask: formed.mask,
    record: {
      split,
      structureId: set.structureId,
      imageIndex: k,
      seed: rng.seed,
      condition: condition.input,
      defocusOffset,
      defocus: formed.defocus,
      pixelSize: formed.pixelSize,
      cropOrigin: formed.cropOrigin,
      standardization: formed.standardization,
    },
  };
}

/** Loads one structure at a time (with its zero-defocus calibration) and remembers offsets. */
export class StructureLoader {
  readonly offsets = new Map<string, number>();
  private current: { dir: string; set: ExitWaveSet; defocusOffset: number } | null = null;

  constructor(private readonly domain: Domain) {}

  async get(header: ExitWaveHeader): Promise<{ set: ExitWaveSet; defocusOffset: number }> {
    if (this.current?.dir === header.dir) return this.current;
    this.current = null;
    const set = loadExitWaveSet(header.dir);
    checkEnergy(set, this.domain.condition.energy);
    // A structure whose mask is empty (no particle, or one too small to pass the label
    // threshold) has no particle contrast to minimise: its offset stays 0. Its images are all
    // background, with empty masks, whatever the defocus.
    const defocusOffset =
      this.domain.calibrateZeroDefocus && hasParticleMask(set)
        ? (
            await calibrateZeroDefocus(set, nominalCondition(this.domain), {
              range: this.domain.calibrationRange,
            })
          ).defocusOffset
        : 0;
    this.offsets.set(set.structureId, defocusOffset);
    this.current = { dir: header.dir, set, defocusOffset };
    return this.current;
  }
}

/** A unit of work: some images of one structure. */
export interface SampleJob {
  header: ExitWaveHeader;
  split: SplitName;
  imageIndices: number[];
}

/** The formed images of a job and the structure's zero-defocus offset. */
export interface JobResult {
  samples: Sample[];
  defocusOffset: number;
}

/** Forms the images of a job in this thread. */
export async function runJob(
  loader: StructureLoader,
  root: Rng,
  domain: Domain,
  job: SampleJob,
): Promise<JobResult> {
  const { set, defocusOffset } = await loader.get(job.header);
  const samples: Sample[] = [];
  for (const k of job.imageIndices) {
    samples.push(await makeSample(set, domain, root, k, defocusOffset, job.split));
  }
  return { samples, defocusOffset };
}
