/**
 * The built-in test model: a llama-architecture GGUF of a few hundred KB, generated from a fixed
 * seed in milliseconds, so tests and `--model tiny` need no download. Its output is word salad, but
 * deterministic word salad: greedy generation gives the same tokens on every run.
 */
import { writeSyntheticModel, type SyntheticModelSpec } from './synthetic-model.js';

export const TINY_MODEL_NAME = 'tiny';

export const TINY_MODEL_SPEC: SyntheticModelSpec = {
  name: 'swe-fleet-tiny',
  embeddingLength: 64,
  blockCount: 2,
  headCount: 4,
  feedForwardLength: 128,
  contextLength: 8192,
  weightType: 'F16',
  seed: 20240917,
};

/** Writes the tiny model to filePath (skipped when an identical file is there); returns the path. */
export const writeTinyModel = (filePath: string): Promise<string> => writeSyntheticModel(filePath, TINY_MODEL_SPEC);
