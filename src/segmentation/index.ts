/**
 * Segmentation stage: U-Net training, evaluation and inference on TensorFlow.js.
 * TensorFlow.js is imported only inside this folder.
 */

export { registerWasmConvGradients, unregisterWasmConvGradients } from './conv-gradients.js';
export {
  assembleBatch,
  dihedral,
  permutation,
  type SegmentationData,
  validateData,
} from './data.js';
export { type BackendDescription, type BackendName, initBackend } from './engine.js';
export { registerFastGradients } from './fast-gradients.js';
export {
  type Confusion,
  computeMetrics,
  type MetricsReport,
  metricsFromConfusion,
  PROBABILITY_EPSILON,
  type SegmentationMetrics,
} from './metrics.js';
export {
  loadModel,
  MODEL_FORMAT,
  type ModelInfo,
  type ModelMetadata,
  saveModel,
} from './model-io.js';
export { readImageStack, readMaskStack } from './npy-images.js';
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
export { registerWasmConcat } from './wasm-concat.js';
