/**
 * How many CPU threads llama.cpp computes with. Measured on a 2-core machine (node-llama-cpp 3.21.1):
 * - a model of a few hundred KB: 1 thread ~2,500 tok/s, 2 threads ~90 tok/s (synchronising threads
 *   dwarfs the work), so small models always get 1 thread;
 * - a 127 MB model, 2 threads against 1: prompt evaluation (hundreds of tokens a batch) 1.8x faster;
 *   a decode step of 3 sequences ~1.15x faster on average (7–13 ms vs 11 ms, erratic); of 2
 *   sequences 1.3x slower; of 1 sequence 2.7x SLOWER (15 ms vs 5.8 ms). Every op ends in a barrier,
 *   and with every core busy a preempted worker stalls the rest: with anything else running on the
 *   machine, the 3-sequence step on 2 threads fell to 0.8x of 1 thread. So steps of one or two
 *   tokens use one core fewer, leaving it to Node's event loop and the sampling threads; prompts and
 *   decode steps of three or more sequences (a council) get every core: on an idle 2-core machine the
 *   council bench's batched decoding went from 219–232 to 253–276 tok/s with that.
 * The library default (all cores, fixed) gets small steps wrong, so threads are always set explicitly.
 */
import { availableParallelism } from 'node:os';

/** Below this, a model's per-token work is too small to split across threads. */
export const SINGLE_THREAD_MODEL_BYTES = 20 * 1024 * 1024;

/** Beyond this, decoding is bound by memory bandwidth and more threads only contend. */
const MAX_DEFAULT_THREADS = 8;

/** A step evaluating at least this many tokens (a prompt, or a decode step of a council) gets every thread. */
export const BATCH_THREADS_MIN_TOKENS = 3;

export interface ThreadCounts {
  /** For steps of BATCH_THREADS_MIN_TOKENS tokens or more: prompts and wide decode steps. */
  readonly batch: number;
  /** For narrower steps: one or two sequences decoding. */
  readonly decode: number;
}

/**
 * @param modelBytes size of the model file
 * @param cores cores worth computing on (node-llama-cpp's `llama.cpuMathCores` counts physical ones)
 * @param override threads the user asked for: used for both kinds of step
 */
export function defaultThreads(modelBytes: number, cores: number = availableParallelism(), override?: number): ThreadCounts {
  if (override !== undefined) return { batch: override, decode: override };
  if (modelBytes < SINGLE_THREAD_MODEL_BYTES) return { batch: 1, decode: 1 };
  const batch = Math.max(1, Math.min(cores, MAX_DEFAULT_THREADS));
  return { batch, decode: Math.max(1, batch - 1) };
}
