/**
 * Models on disk: one folder holding the TensorFlow.js layers format (`model.json` with the
 * topology and weight manifest, `weights.bin` with the float32 weights) and our metadata
 * (`hrtem-model.json`: architecture, seed, training domain, code version, SHA-256 of the weights,
 * and, when trained from a dataset folder, its manifest hash, domain spec and normalisation).
 * Every file is written atomically; the metadata is written last, so a folder with metadata is
 * complete, and the weight hash detects files mixed from different models.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { writeFileAtomic } from '../core/atomic-write.js';
import { InputError } from '../core/errors.js';
import { createUNet, resolveUNetConfig, type UNet, type UNetConfig } from './unet.js';

/** Identifies our metadata files. */
export const MODEL_FORMAT = 'hrtem-ood/unet';
const FORMAT_VERSION = 1;

/**
 * Input normalisation of a model: `per-image-standardize` shifts each image to zero mean and
 * scales it to unit population variance (a constant image is only centred).
 */
export interface Normalisation {
  method: 'per-image-standardize';
  /** 'dataset': the training images were stored standardised; 'reader': standardised on reading. */
  appliedBy: 'dataset' | 'reader';
}

/** Caller-supplied description of how a model was trained (all optional). */
export interface ModelInfo {
  /** Name of the imaging domain the training data came from. */
  domain?: string;
  /** SHA-256 (hex) of the training dataset's manifest.json bytes. */
  datasetHash?: string;
  /** The training dataset's domain specification (its manifest's `domain`). */
  domainSpec?: unknown;
  /** Input normalisation the model was trained with. */
  normalisation?: Normalisation;
  /** Any other JSON-serialisable facts (training files, best epoch, …). */
  [key: string]: unknown;
}

/** Contents of `hrtem-model.json`. */
export interface ModelMetadata {
  format: typeof MODEL_FORMAT;
  formatVersion: number;
  architecture: UNetConfig;
  seed: number;
  codeVersion: string;
  backend: string;
  weightsSha256: string;
  info: ModelInfo;
}

function codeVersion(): string {
  try {
    const url = new URL('../../package.json', import.meta.url);
    return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function concatBuffers(data: ArrayBuffer | ArrayBuffer[]): Uint8Array {
  const parts = Array.isArray(data) ? data : [data];
  const total = parts.reduce((sum, p) => sum + p.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(new Uint8Array(part), offset);
    offset += part.byteLength;
  }
  return out;
}

/**
 * Saves a U-Net and its metadata to folder `dir` (created if missing; existing files replaced).
 * @param info training facts stored under `info` in the metadata
 * @returns the metadata written
 */
export async function saveModel(
  dir: string,
  unet: UNet,
  info: ModelInfo = {},
): Promise<ModelMetadata> {
  let metadata: ModelMetadata | undefined;
  await unet.model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = concatBuffers(artifacts.weightData ?? new ArrayBuffer(0));
      const modelJson = {
        format: 'layers-model',
        generatedBy: `TensorFlow.js ${tf.version.tfjs}`,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      };
      writeFileAtomic(join(dir, 'weights.bin'), weights);
      writeFileAtomic(join(dir, 'model.json'), JSON.stringify(modelJson));
      metadata = {
        format: MODEL_FORMAT,
        formatVersion: FORMAT_VERSION,
        architecture: unet.config,
        seed: unet.config.seed,
        codeVersion: codeVersion(),
        backend: tf.getBackend(),
        weightsSha256: createHash('sha256').update(weights).digest('hex'),
        info,
      };
      writeFileAtomic(join(dir, 'hrtem-model.json'), `${JSON.stringify(metadata, null, 2)}\n`);
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  return metadata!;
}

function readJson(path: string, what: string): unknown {
  if (!existsSync(path)) throw new InputError(`loadModel: ${what} not found: ${path}`);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new InputError(`loadModel: ${path} is not valid JSON (${(error as Error).message})`);
  }
}

function describeDifference(expected: Partial<UNetConfig>, actual: UNetConfig): string | null {
  const diffs = (Object.keys(expected) as (keyof UNetConfig)[])
    .filter((key) => expected[key] !== undefined && expected[key] !== actual[key])
    .map(
      (key) => `${key} ${JSON.stringify(actual[key])} (expected ${JSON.stringify(expected[key])})`,
    );
  return diffs.length > 0 ? diffs.join(', ') : null;
}

/**
 * Loads a model saved by `saveModel`.
 * @param dir the model folder
 * @param options.expect architecture fields the caller requires (e.g. `{ depth: 3 }`)
 * @returns the model, its architecture and its metadata
 * @throws InputError if files are missing, the weights do not belong to the architecture in the
 *   metadata (another model's files), or the architecture differs from `options.expect`
 */
export async function loadModel(
  dir: string,
  options: { expect?: Partial<UNetConfig> } = {},
): Promise<UNet & { metadata: ModelMetadata }> {
  const metaPath = join(dir, 'hrtem-model.json');
  const metadata = readJson(metaPath, 'model metadata (hrtem-model.json)') as ModelMetadata;
  if (metadata?.format !== MODEL_FORMAT || typeof metadata.architecture !== 'object') {
    throw new InputError(
      `loadModel: ${metaPath} is not an hrtem-ood U-Net model (format ${JSON.stringify(metadata?.format)})`,
    );
  }
  const config = resolveUNetConfig(metadata.architecture);
  const difference = options.expect ? describeDifference(options.expect, config) : null;
  if (difference) {
    throw new InputError(`loadModel: model in ${dir} is of another architecture: ${difference}`);
  }
  const modelJson = readJson(join(dir, 'model.json'), 'model.json') as {
    modelTopology: object;
    weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[];
  };
  const weightsPath = join(dir, 'weights.bin');
  if (!existsSync(weightsPath))
    throw new InputError(`loadModel: weights not found: ${weightsPath}`);
  const weights = readFileSync(weightsPath);
  const sha = createHash('sha256').update(weights).digest('hex');
  if (sha !== metadata.weightsSha256) {
    throw new InputError(
      `loadModel: ${weightsPath} does not belong to the model described by ${metaPath} (weight hash differs); the folder mixes files of different models`,
    );
  }

  const reference = createUNet(config);
  const expectedShapes = reference.model.weights.map((w) => w.shape.join('×'));
  reference.model.dispose();
  const specs = modelJson.weightsManifest.flatMap((group) => group.weights);
  const actualShapes = specs.map((spec) => spec.shape.join('×'));
  if (expectedShapes.join(',') !== actualShapes.join(',')) {
    throw new InputError(
      `loadModel: model.json in ${dir} holds another architecture than its metadata describes ` +
        `(${actualShapes.length} weight tensors vs ${expectedShapes.length} for ${JSON.stringify(config)})`,
    );
  }
  const buffer = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength);
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: modelJson.modelTopology,
      weightSpecs: specs,
      weightData: buffer,
    }),
  );
  return { model, config, metadata };
}
