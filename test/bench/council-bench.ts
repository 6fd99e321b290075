/**
 * Council bench: three agents' generations decoded together in one context (continuous batching,
 * shared prompt prefix) against the same three run one after another.
 *
 *   npm run bench                    tiny model, then the generated ~100 MB bench model
 *   npm run bench -- --model tiny    one model: tiny, bench, or a path to a GGUF
 *   npm run bench -- --threads 2     fix the thread count (default: the adapter's choice)
 *
 * Prints one `name: value unit` line per figure (BENCH_DEBUG=1 adds each round's figures on
 * stderr). Speedups are medians over interleaved rounds; every round uses fresh prompts, so no
 * round reuses another's cached prefix, and the sequential baseline shares nothing.
 */
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import {
  createLlamaLanguageModel,
  type LlamaGenerateRequest,
  type LlamaLanguageModel,
} from '../../core/adapters/llama/llama-language-model.js';
import { writeSyntheticModel, type SyntheticModelSpec } from '../../core/adapters/llama/synthetic/synthetic-model.js';
import { TINY_MODEL_NAME, writeTinyModel } from '../../core/adapters/llama/synthetic/tiny-model.js';

/**
 * About 127 MB: per-token work like a small real model's, so the bench measures batching where
 * the matrix products, not the scheduler, dominate. F16 because on CPU it batches better than Q8_0
 * or F32 (measured: a 3-token decode costs 1.95x a 1-token one in F16, 2.2x in F32, 4x in Q8_0).
 */
const BENCH_MODEL_SPEC: SyntheticModelSpec = {
  name: 'swe-fleet-bench',
  embeddingLength: 768,
  blockCount: 8,
  headCount: 12,
  feedForwardLength: 2048,
  contextLength: 8192,
  weightType: 'F16',
  seed: 20240918,
  inflections: true,
};

const AGENTS = 3;
const PROMPT_TOKENS = 200;
const SHARED_TOKENS = 150;
const OUTPUT_TOKENS = 128;
/** Interleaved rounds per model: a tiny-model council takes ~0.1 s, so more rounds tame the noise. */
const ROUNDS: Record<string, number> = { tiny: 9 };
const DEFAULT_ROUNDS = 3;
const ROLES = ['architect', 'critic', 'tester'];
const WORDS = (
  'the council reviews the plan for the user service and each agent proposes a design that keeps the ' +
  'api simple and the tests fast while the database load stays low under concurrent requests from many users'
).split(' ');

interface ModelUnderTest {
  readonly label: string;
  readonly path: string;
  /** The models generated here are ChatML; saying so spares the ~0.5 s detection. */
  readonly chatWrapper: 'auto' | 'chatml';
}

interface CouncilFigures {
  readonly batchedTokensPerSecond: number;
  readonly sequentialTokensPerSecond: number;
  readonly speedup: number;
  readonly prefillSharedMs: number;
  readonly prefillUnsharedMs: number;
  readonly prefillSpeedup: number;
  readonly overheadShare: number;
  readonly maxDecodeBatchSequences: number;
  readonly promptThreads: number;
  readonly decodeThreads: number;
}

const print = (name: string, value: string, unit = ''): void => console.log(`${name}: ${value}${unit ? ` ${unit}` : ''}`);
const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

async function main(): Promise<void> {
  const spec = modelArgument();
  const cacheDir = join(tmpdir(), 'swe-fleet-bench');
  const models: ModelUnderTest[] = [];
  if (spec === undefined || spec === TINY_MODEL_NAME) {
    models.push({ label: 'tiny', path: await writeTinyModel(join(cacheDir, 'swe-fleet-tiny.gguf')), chatWrapper: 'chatml' });
  }
  if (spec === undefined || spec === 'bench') {
    const started = performance.now();
    const path = await writeSyntheticModel(join(cacheDir, 'swe-fleet-bench.gguf'), BENCH_MODEL_SPEC);
    print('bench_model_prepare_time', (performance.now() - started).toFixed(0), 'ms');
    models.push({ label: 'bench', path, chatWrapper: 'chatml' });
  }
  if (spec !== undefined && spec !== TINY_MODEL_NAME && spec !== 'bench') {
    models.push({
      label: basename(spec)
        .replace(/\.gguf$/i, '')
        .replace(/[^A-Za-z0-9]+/g, '_'),
      path: spec,
      chatWrapper: 'auto',
    });
  }

  const overheads: number[] = [];
  const prefillSpeedups: number[] = [];
  for (const m of models) {
    const f = await benchModel(m);
    print(`threads_prompt_${m.label}`, String(f.promptThreads));
    print(`threads_decode_${m.label}`, String(f.decodeThreads));
    print(`council_batched_throughput_${m.label}`, f.batchedTokensPerSecond.toFixed(1), 'tok/s');
    print(`council_sequential_throughput_${m.label}`, f.sequentialTokensPerSecond.toFixed(1), 'tok/s');
    print(`council_speedup_${m.label}`, `${f.speedup.toFixed(2)}x`);
    print(`council_max_decode_batch_${m.label}`, String(f.maxDecodeBatchSequences), 'sequences');
    print(`prefill_shared_prefix_${m.label}`, f.prefillSharedMs.toFixed(1), 'ms');
    print(`prefill_no_sharing_${m.label}`, f.prefillUnsharedMs.toFixed(1), 'ms');
    print(`prefill_speedup_shared_prefix_${m.label}`, `${f.prefillSpeedup.toFixed(2)}x`);
    print(`orchestration_overhead_${m.label}`, (f.overheadShare * 100).toFixed(1), '%');
    overheads.push(f.overheadShare);
    prefillSpeedups.push(f.prefillSpeedup);
  }
  // The headline prefill figure is the largest model's (where prefill cost matters); the overhead
  // headline is the worst model's (on a fast model the scheduler's share of wall time is largest).
  print('prefill_speedup_shared_prefix', `${prefillSpeedups.at(-1)!.toFixed(2)}x`);
  print('orchestration_overhead', (Math.max(...overheads) * 100).toFixed(1), '%');
}

function argument(name: string): string | undefined {
  const args = process.argv.slice(2);
  const i = args.indexOf(`--${name}`);
  if (i >= 0) return args[i + 1];
  return args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

const modelArgument = (): string | undefined => argument('model');

/** Thread count override (default: the adapter's choice by model size). */
function threadsArgument(): number | undefined {
  const value = argument('threads');
  return value === undefined ? undefined : Number(value);
}

async function benchModel(m: ModelUnderTest): Promise<CouncilFigures> {
  const threads = threadsArgument();
  const common = { modelPath: m.path, name: m.label, chatWrapper: m.chatWrapper, maxSequences: AGENTS, ...(threads ? { threads } : {}) };
  const shared = await createLlamaLanguageModel(common);
  const unshared = await createLlamaLanguageModel({ ...common, prefixSharing: false });
  try {
    // Warm up both models and both modes at full size (first decodes allocate compute buffers).
    await councilBatched(shared, councilRequests(shared, 0, OUTPUT_TOKENS));
    for (const request of councilRequests(shared, -1, OUTPUT_TOKENS)) await shared.generate(request);
    await councilBatched(unshared, councilRequests(unshared, -2, 8));

    const batched: number[] = [];
    const sequential: number[] = [];
    const speedups: number[] = [];
    const overheads: number[] = [];
    const rounds = ROUNDS[m.label] ?? DEFAULT_ROUNDS;
    for (let round = 1; round <= rounds; round++) {
      // Alternate the order so that neither mode always runs on a warmer machine.
      const together = councilRequests(shared, round, OUTPUT_TOKENS);
      const oneByOne = councilRequests(shared, round + 1000, OUTPUT_TOKENS);
      const runBatched = async (): Promise<number> => {
        const before = shared.stats();
        const started = performance.now();
        await councilBatched(shared, together);
        const wall = performance.now() - started;
        const after = shared.stats();
        const orchestration = after.busyMs - before.busyMs - (after.llamaMs - before.llamaMs);
        overheads.push(Math.max(0, orchestration) / wall);
        return (AGENTS * OUTPUT_TOKENS * 1000) / wall;
      };
      const runSequential = async (): Promise<number> => {
        const started = performance.now();
        for (const request of oneByOne) await shared.generate(request);
        return (AGENTS * OUTPUT_TOKENS * 1000) / (performance.now() - started);
      };
      let b: number;
      let s: number;
      if (round % 2) {
        b = await runBatched();
        s = await runSequential();
      } else {
        s = await runSequential();
        b = await runBatched();
      }
      if (process.env.BENCH_DEBUG) console.error(`round ${round}: batched ${b.toFixed(1)} sequential ${s.toFixed(1)} tok/s`);
      batched.push(b);
      sequential.push(s);
      speedups.push(b / s);
    }

    const prefillShared: number[] = [];
    const prefillUnshared: number[] = [];
    for (let round = 1; round <= rounds; round++) {
      const timePrefill = async (model: LlamaLanguageModel, id: number): Promise<number> => {
        const requests = councilRequests(model, id, 1);
        const started = performance.now();
        await councilBatched(model, requests);
        return performance.now() - started;
      };
      prefillShared.push(await timePrefill(shared, 2000 + round));
      prefillUnshared.push(await timePrefill(unshared, 3000 + round));
    }
    const stats = shared.stats();
    return {
      batchedTokensPerSecond: median(batched),
      sequentialTokensPerSecond: median(sequential),
      speedup: median(speedups),
      prefillSharedMs: median(prefillShared),
      prefillUnsharedMs: median(prefillUnshared),
      prefillSpeedup: median(prefillUnshared) / median(prefillShared),
      overheadShare: median(overheads),
      maxDecodeBatchSequences: stats.maxDecodeBatchSequences,
      promptThreads: stats.threads.batch,
      decodeThreads: stats.threads.decode,
    };
  } finally {
    await shared.close();
    await unshared.close();
  }
}

async function councilBatched(model: LlamaLanguageModel, requests: readonly LlamaGenerateRequest[]): Promise<void> {
  const results = await Promise.all(requests.map((r) => model.generate(r)));
  results.forEach((r, i) => {
    const expected = requests[i]!.maxTokens;
    if (r.completionTokens !== expected) throw new Error(`expected ${expected} tokens, got ${r.completionTokens}`);
  });
}

/**
 * Three prompts of ~PROMPT_TOKENS tokens whose first ~SHARED_TOKENS are the same (system prompt and
 * task), as a council's agents' prompts are. `round` makes them unique to the round.
 */
function councilRequests(model: LlamaLanguageModel, round: number, maxTokens: number): LlamaGenerateRequest[] {
  const system = `Session ${round}. You are a member of a software design council.`;
  const task = grow((prompt) => model.countPromptTokens({ system, prompt }), 'Task:', SHARED_TOKENS);
  return ROLES.slice(0, AGENTS).map((role, i) => ({
    system,
    prompt: grow((prompt) => model.countPromptTokens({ system, prompt }), `${task} You are the ${role}, agent ${i}.`, PROMPT_TOKENS, i * 7),
    maxTokens,
    temperature: 0,
    ignoreEos: true,
  }));
}

/** Appends words to `text` until the formatted prompt reaches `target` tokens. */
function grow(count: (text: string) => number, text: string, target: number, offset = 0): string {
  let out = text;
  for (let i = offset; count(out) < target; i++) out += ` ${WORDS[i % WORDS.length]}`;
  return out;
}

await main();
