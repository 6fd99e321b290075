import { stat } from 'node:fs/promises';
import { GgufInsights, readGgufFileInfo } from 'node-llama-cpp';
import { invalidArgument } from '../../domain/errors.js';
import { DEFAULT_MAX_SEQUENCES, MAX_CONTEXT_TOKENS } from './llama-language-model.js';
import { acquireLlama } from './llama-runtime.js';

export interface ModelMemoryEstimate {
  readonly fileBytes: number;
  readonly modelRamBytes: number;
  readonly contextRamBytes: number;
  readonly contextTokens: number;
  readonly architecture: string;
  readonly parameters: number;
}

/**
 * What loading a GGUF file on the CPU would take, from its header alone (llama.cpp's own accounting
 * through node-llama-cpp): the weights and a context of the size and sequences the daemon creates.
 */
export async function estimateModelMemory(modelPath: string): Promise<ModelMemoryEstimate> {
  const file = await stat(modelPath).catch(() => undefined);
  if (!file?.isFile()) throw invalidArgument('spec', 'an existing GGUF model file', modelPath);
  const info = await readGgufFileInfo(modelPath, { readTensorInfo: true }).catch((error: unknown) => {
    throw invalidArgument('spec', `a GGUF file (${String(error)})`, modelPath);
  });
  const lease = await acquireLlama(false);
  try {
    const insights = await GgufInsights.from(info, lease.llama);
    const contextTokens = Math.min(MAX_CONTEXT_TOKENS, insights.trainContextSize ?? MAX_CONTEXT_TOKENS);
    const model = await insights.estimateModelResourceRequirementsV2({ gpuLayers: 0 });
    const ctx = await insights.estimateContextResourceRequirementsV2({
      contextSize: contextTokens,
      modelGpuLayers: 0,
      sequences: DEFAULT_MAX_SEQUENCES,
    });
    return {
      fileBytes: file.size,
      modelRamBytes: model.cpuRam,
      contextRamBytes: ctx.cpuRam,
      contextTokens,
      architecture: String(info.metadata.general.architecture),
      parameters: insights.totalParameters ?? 0,
    };
  } finally {
    await lease.release();
  }
}
