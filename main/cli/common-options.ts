import { type Command, InvalidArgumentError, Option } from 'commander';

import type { ConfigOverrides } from '../config.js';

export function intOption(flag: string, description: string, min: number, max: number): Option {
  const name = flag.split(' ')[0]!;
  return new Option(flag, description).argParser((raw: string) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`${name}: expected an integer in ${min}..${max}, got "${raw}"`);
    return n;
  });
}

/** Options every command that opens the data dir or a model shares. */
export function withCommonOptions(command: Command): Command {
  return command
    .option('--data-dir <dir>', 'data folder (database, models, logs); default: the platform app-data folder')
    .option(
      '--model <model>',
      'tiny (built-in test model), a local GGUF path, or a URI (hf:..., https://...); default: Qwen3-0.6B, downloaded on first use',
    )
    .addOption(intOption('--threads <n>', 'CPU threads for local inference (default: chosen by model size)', 1, 256))
    .option('--llm-url <url>', 'use an OpenAI-compatible server (vLLM) at this URL instead of local inference')
    .option('--llm-model <name>', 'model name to request from --llm-url')
    .option('--allow-insecure-download', 'let --model be a plain http:// URL (its bytes could be altered on the way)')
    .option('--verbose', 'log details to stderr');
}

export interface CommonFlags {
  dataDir?: string;
  model?: string;
  threads?: number;
  llmUrl?: string;
  llmModel?: string;
  allowInsecureDownload?: boolean;
  verbose?: boolean;
}

export const overridesOf = (flags: CommonFlags): ConfigOverrides => ({
  dataDir: flags.dataDir,
  model: flags.model,
  threads: flags.threads,
  llmUrl: flags.llmUrl,
  llmModel: flags.llmModel,
  allowInsecureDownload: flags.allowInsecureDownload,
});
