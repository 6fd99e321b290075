/**
 * The llama adapter as the composition root uses it. Tests and benches reach into the files behind
 * it for the batching and prefix-sharing hooks they measure.
 */
export { createLlamaLanguageModel } from './llama-language-model.js';
export { DEFAULT_MODEL_URI, downloadedModel, resolveModel, type DownloadProgress } from './model-resolution.js';
export { TINY_MODEL_NAME } from './synthetic/tiny-model.js';
export { estimateModelMemory, type ModelMemoryEstimate } from './memory-estimate.js';
