/**
 * One llama.cpp binding per process and GPU choice, shared by the models loaded in it: loading the
 * binding takes ~0.8 s, so a daemon or test file that opens several models pays it once.
 */
import { getLlama, type Llama, LlamaLogLevel, type LlamaGpuType } from 'node-llama-cpp';

import type { Log } from '../../ports/log.js';

export type GpuOption = 'auto' | false | Exclude<LlamaGpuType, false>;

interface Shared {
  readonly llama: Promise<Llama>;
  users: number;
  readonly logs: Set<Log>;
}

const shared = new Map<GpuOption, Shared>();

export interface LlamaLease {
  readonly llama: Llama;
  release(): Promise<void>;
}

export async function acquireLlama(gpu: GpuOption, log?: Log): Promise<LlamaLease> {
  let entry = shared.get(gpu);
  if (!entry) {
    const logs = new Set<Log>();
    entry = {
      logs,
      users: 0,
      llama: getLlama({
        gpu,
        // A missing prebuilt binary should fail fast with a clear error, not start a source build.
        build: 'never',
        progressLogs: false,
        logLevel: LlamaLogLevel.warn,
        // The core never prints: messages go to whoever loaded a model and asked for them.
        logger: (level, message) => {
          const mapped = level === LlamaLogLevel.warn ? 'warn' : 'error';
          for (const sink of logs) sink(mapped, message.trimEnd());
        },
      }),
    };
    shared.set(gpu, entry);
  }
  const current = entry;
  current.users++;
  if (log) current.logs.add(log);
  let llama: Llama;
  try {
    llama = await current.llama;
  } catch (error) {
    if (shared.get(gpu) === current) shared.delete(gpu);
    throw error;
  }
  let released = false;
  return {
    llama,
    async release() {
      if (released) return;
      released = true;
      if (log) current.logs.delete(log);
      if (--current.users > 0) return;
      if (shared.get(gpu) === current) shared.delete(gpu);
      await llama.dispose();
    },
  };
}
