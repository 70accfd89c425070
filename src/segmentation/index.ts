/**
 * Segmentation stage: U-Net training, evaluation and inference on TensorFlow.js.
 * TensorFlow.js is imported only inside this folder.
 */

export { registerWasmConvGradients, unregisterWasmConvGradients } from './conv-gradients.js';
export {
  assembleBatch,
  dihedral,
  isSource,
  type LabelledData,
  permutation,
  type SegmentationData,
  type SegmentationSource,
  validateData,
  validateLabelled,
} from './data.js';
export {
  type DatasetSplit,
  type DatasetSplitReader,
  datasetSource,
  normalisationOf,
} from './dataset-source.js';
export { type BackendDescription, type BackendName, initBackend } from './engine.js';
export { registerFastGradients } from './fast-gradients.js';
export { bottleneckFeatures, diagonalFrechetDistance } from './features.js';
export {
  type ImageFile,
  type ImageSampleType,
  LUMA_WEIGHTS,
  readImageFile,
  readImages,
  SUPPORTED_IMAGE_INPUT,
} from './image-files.js';
export {
  type BootstrapIntervals,
  bootstrapIntervals,
  type Confusion,
  computeMetrics,
  type Interval,
  type MetricsReport,
  MINIMUM_CROSS_ENTROPY,
  metricsFromConfusion,
  PROBABILITY_EPSILON,
  type SegmentationMetrics,
} from './metrics.js';
export {
  loadModel,
  MODEL_FORMAT,
  type ModelInfo,
  type ModelMetadata,
  type Normalisation,
  saveModel,
} from './model-io.js';
export {
  readImageStack,
  readMaskStack,
  readNpyImages,
  standardizeStack,
} from './npy-images.js';
export { OVERLAY_STYLE, overlayRgb, writeMaskPng, writeOverlayPng } from './overlay.js';
export {
  type TrainingJob,
  type TrainingJobResult,
  trainInWorkers,
} from './parallel.js';
export { predict, predictTiled } from './predict.js';
export { syntheticDiscs } from './synthetic.js';
export {
  type EpochRecord,
  evaluateModel,
  segmentationLoss,
  TrainingDivergedError,
  type TrainingHistory,
  type TrainingOptions,
  type TrainingProgress,
  trainModel,
} from './train.js';
export {
  countParameters,
  createUNet,
  DEFAULT_UNET,
  GPU_UNET,
  resolveUNetConfig,
  type UNet,
  type UNetConfig,
} from './unet.js';
export { registerWasmKernels } from './wasm-kernels.js';
