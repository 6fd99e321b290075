import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createLlamaLanguageModel,
  type LlamaLanguageModel,
  type LlamaLanguageModelOptions,
} from '../../../core/adapters/llama/llama-language-model.js';
import { TINY_MODEL_NAME, writeTinyModel } from '../../../core/adapters/llama/synthetic/tiny-model.js';

/** The tiny model, in a folder shared by test runs (writing it is skipped when it is already there). */
export const tinyModelPath = (): Promise<string> => writeTinyModel(join(tmpdir(), 'swe-fleet-test-models', 'tiny.gguf'));

export async function openTinyModel(options: Partial<LlamaLanguageModelOptions> = {}): Promise<LlamaLanguageModel> {
  return createLlamaLanguageModel({ modelPath: await tinyModelPath(), name: TINY_MODEL_NAME, ...options });
}

/** Expects a promise to reject with a FleetError of `code`; returns the error. */
export async function rejection(promise: Promise<unknown>): Promise<{ code: string; field?: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code: string; field?: string; message: string };
  }
  throw new Error('expected a rejection');
}
