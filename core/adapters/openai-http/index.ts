// The OpenAI-compatible HTTP adapter's public entry: what the composition root needs. Tests may reach further in.
export { type ListModelsOptions, listModels } from './list-models.js';
export { createOpenAiHttpLanguageModel, type OpenAiHttpOptions } from './openai-http-language-model.js';
