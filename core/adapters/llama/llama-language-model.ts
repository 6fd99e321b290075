/**
 * The LanguageModel port on llama.cpp (node-llama-cpp), in this process: one model, one context
 * of `maxSequences` sequences, and a continuous-batching scheduler that decodes concurrent
 * requests together (see batch-scheduler.ts).
 */
import { stat } from 'node:fs/promises';
import {
  ChatMLChatWrapper,
  type ChatHistoryItem,
  type ChatWrapper,
  type GbnfJsonSchema,
  isLlamaText,
  type Llama,
  type LlamaGrammar,
  LlamaGrammarEvaluationState,
  type LlamaModel,
  resolveChatWrapper,
  type Token,
} from 'node-llama-cpp';
import { DisposalStack } from '../../base/disposal.js';
import { abortError, FleetError, invalidArgument } from '../../domain/errors.js';
import type {
  GenerateProgress,
  GenerateRequest,
  GenerateResult,
  JsonSchema,
  LanguageModel,
  ModelInfo,
} from '../../ports/language-model.js';
import { BatchScheduler, type SchedulerStats } from './batch-scheduler.js';
import type { Log } from '../../ports/log.js';
import { acquireLlama, type GpuOption } from './llama-runtime.js';
import { observedParallelism } from './observed-parallelism-strategy.js';
import { PrefixCache, type PrefixCacheStats } from './prefix-cache.js';
import { PrefixSharing } from './prefix-sharing.js';
import { TINY_MODEL_SPEC } from './synthetic/tiny-model.js';
import { defaultThreads, SINGLE_THREAD_MODEL_BYTES, type ThreadCounts } from './threads.js';

/** The context a model gets unless told otherwise: sequences decoded together, and its most tokens. */
export const DEFAULT_MAX_SEQUENCES = 8;
export const MAX_CONTEXT_TOKENS = 4096;

// Tokens before a streamed piece that its detokenization looks at (a leading space depends on them).
const CONTEXT_TOKENS = 4;

export interface LlamaLanguageModelOptions {
  readonly modelPath: string;
  /** For ModelInfo.name. */
  readonly name: string;
  /** CPU threads for every step; default by model size and step kind (see threads.ts). */
  readonly threads?: number;
  /** 'auto' (default) uses a GPU where one is present. */
  readonly gpu?: GpuOption;
  /** Requests decoded together; more wait their turn (default 8). */
  readonly maxSequences?: number;
  /** Tokens per sequence (prompt + output); default up to 4096, less if memory is short. */
  readonly contextSize?: number;
  /** 'auto' lets node-llama-cpp pick from the model's metadata; our synthetic models are ChatML. */
  readonly chatWrapper?: 'auto' | 'chatml' | ChatWrapper;
  /** Evaluate a prompt prefix shared by concurrent requests once (default true). */
  readonly prefixSharing?: boolean;
  /** Shorter shared prefixes are not worth a state copy (default 16 tokens). */
  readonly minSharedPrefixTokens?: number;
  /** llama.cpp warnings and errors; dropped when absent (the core never prints). */
  readonly log?: Log;
}

/** Options beyond the port, for the bench. */
export interface LlamaGenerateRequest extends GenerateRequest {
  /** Keep generating through end-of-text (a newline is fed instead), so exactly maxTokens come out. */
  readonly ignoreEos?: boolean;
}

export interface LlamaModelStats extends SchedulerStats, PrefixCacheStats {
  readonly threads: ThreadCounts;
  readonly contextSize: number;
  readonly maxSequences: number;
}

export interface LlamaLanguageModel extends LanguageModel {
  generate(request: LlamaGenerateRequest): Promise<GenerateResult>;
  stats(): LlamaModelStats;
  /** The formatted prompt's token count, as generate() would see it. */
  countPromptTokens(request: Pick<GenerateRequest, 'system' | 'prompt'>): number;
}

export async function createLlamaLanguageModel(options: LlamaLanguageModelOptions): Promise<LlamaLanguageModel> {
  const file = await stat(options.modelPath).catch(() => undefined);
  if (!file?.isFile()) throw invalidArgument('model', 'an existing GGUF model file', options.modelPath);
  const maxSequences = options.maxSequences ?? DEFAULT_MAX_SEQUENCES;
  if (!Number.isInteger(maxSequences) || maxSequences < 1) {
    throw invalidArgument('maxSequences', 'a positive integer', maxSequences);
  }
  if (options.threads !== undefined && (!Number.isInteger(options.threads) || options.threads < 1)) {
    throw invalidArgument('threads', 'a positive integer', options.threads);
  }

  const lease = await acquireLlama(options.gpu ?? 'auto', options.log);
  // Released in reverse on a failed start or on close: the loop, its context, the model, the prefix
  // state files, the binding.
  const resources = new DisposalStack();
  resources.defer(() => lease.release());
  try {
    const prefixCache = resources.use(new PrefixCache());
    const model = await lease.llama.loadModel({ modelPath: options.modelPath });
    resources.defer(() => model.dispose());
    const { llama } = lease;
    const threads = defaultThreads(file.size, llama.cpuMathCores, options.threads);
    const small = file.size < SINGLE_THREAD_MODEL_BYTES;
    // The context takes at most llama.maxThreads; steps then steer it between the two counts.
    if (llama.maxThreads !== 0 && llama.maxThreads < threads.batch) llama.maxThreads = threads.batch;
    let scheduler: BatchScheduler | undefined;
    const context = await model.createContext({
      sequences: maxSequences,
      contextSize: options.contextSize ?? { min: Math.min(1024, model.trainContextSize), max: MAX_CONTEXT_TOKENS },
      threads: threads.batch,
      // On CPU, llama.cpp's flash-attention kernel makes appending a prompt to an evaluated prefix
      // 3-6x slower on a tiny model (measured: 56 tokens after 190, 6.3 ms vs 1.1 ms), which is
      // exactly what prefix sharing does; on larger models it is ~10% faster at decoding.
      flashAttention: small && llama.gpu === false ? false : 'auto',
      batching: { itemPrioritizationStrategy: observedParallelism((n) => scheduler?.recordDecodeBatch(n)) },
    });
    resources.defer(() => context.dispose());
    scheduler = new BatchScheduler(context, {
      prefixSharing: new PrefixSharing({
        enabled: options.prefixSharing ?? true,
        minTokens: options.minSharedPrefixTokens ?? 16,
        cache: prefixCache,
      }),
      // Through the thread splitter's public limit: node-llama-cpp sizes each decode batch's
      // threads from it (the binding is shared per process, so is this limit).
      onStepKind:
        threads.batch === threads.decode
          ? undefined
          : (kind) => {
              llama.maxThreads = kind === 'batch' ? threads.batch : threads.decode;
            },
    });
    resources.use(scheduler);
    const chatWrapper = pickChatWrapper(model, options.chatWrapper ?? 'auto');
    return new LlamaCppModel(
      { name: options.name, backend: 'llama.cpp', gpu: llama.gpu, threads: threads.decode, maxSequences, fileBytes: file.size },
      llama,
      model,
      scheduler,
      prefixCache,
      chatWrapper,
      { threads, contextSize: context.contextSize, maxSequences },
      resources,
    );
  } catch (error) {
    await resources.dispose();
    if (error instanceof FleetError) throw error;
    throw new FleetError('UNAVAILABLE', `could not load model ${options.modelPath}: ${String(error)}`, { cause: error });
  }
}

function pickChatWrapper(model: LlamaModel, choice: 'auto' | 'chatml' | ChatWrapper): ChatWrapper {
  if (typeof choice === 'object') return choice;
  // Auto-detection costs ~0.5 s; the tiny model (`--model tiny`) is known to be ChatML.
  if (choice === 'chatml' || model.fileInfo.metadata.general?.name === TINY_MODEL_SPEC.name) {
    return new ChatMLChatWrapper();
  }
  // Agents answer in JSON; a hidden chain of thought would only spend their token budget.
  return resolveChatWrapper(model, { customWrapperSettings: { qwen: { thoughts: 'discourage' } } });
}

class LlamaCppModel implements LlamaLanguageModel {
  private readonly grammars = new Map<string, Promise<LlamaGrammar>>();
  private closed = false;

  constructor(
    readonly info: ModelInfo,
    private readonly llama: Llama,
    private readonly model: LlamaModel,
    private readonly scheduler: BatchScheduler,
    private readonly prefixCache: PrefixCache,
    private readonly chatWrapper: ChatWrapper,
    private readonly settings: { threads: ThreadCounts; contextSize: number; maxSequences: number },
    private readonly resources: DisposalStack,
  ) {}

  get contextTokens(): number {
    return this.settings.contextSize;
  }

  stats(): LlamaModelStats {
    return { ...this.scheduler.stats(), ...this.prefixCache.stats(), ...this.settings };
  }

  countPromptTokens(request: Pick<GenerateRequest, 'system' | 'prompt'>): number {
    return this.formatPrompt(request).length;
  }

  countTokens(text: string): number {
    return this.model.tokenize(text).length;
  }

  async generate(request: LlamaGenerateRequest): Promise<GenerateResult> {
    const started = performance.now();
    if (this.closed) throw new FleetError('UNAVAILABLE', 'model is closed');
    validate(request);
    if (request.signal?.aborted) throw abortError(request.signal);

    const tokens = this.formatPrompt(request);
    const room = this.settings.contextSize - tokens.length;
    if (room < 1) {
      throw invalidArgument('prompt', `at most ${this.settings.contextSize - 1} tokens with the system prompt`, `${tokens.length} tokens`);
    }
    const grammar = request.jsonSchema ? await this.grammarFor(request.jsonSchema) : undefined;
    if (request.signal?.aborted) throw abortError(request.signal);

    const onProgress = request.onProgress;
    const outcome = await this.scheduler.submit({
      tokens,
      maxTokens: Math.min(request.maxTokens, room),
      temperature: request.temperature ?? 0,
      seed: request.seed,
      grammar: grammar ? new LlamaGrammarEvaluationState({ model: this.model, grammar }) : undefined,
      stopTexts: grammar ? grammar.stopGenerationTriggers.map((t) => this.triggerText(t)) : [],
      ignoreEosWith: request.ignoreEos ? (this.model.tokens.nl ?? undefined) : undefined,
      signal: request.signal,
      onToken: onProgress ? this.textStream(onProgress) : undefined,
    });
    const text = this.model.detokenize(outcome.tokens);
    return {
      text: grammar?.trimWhitespaceSuffix ? text.trimEnd() : text,
      promptTokens: tokens.length,
      completionTokens: outcome.tokens.length,
      durationMs: performance.now() - started,
      finishReason: outcome.finishReason,
    };
  }

  close(): Promise<void> {
    this.closed = true;
    return this.resources.dispose();
  }

  private formatPrompt(request: Pick<GenerateRequest, 'system' | 'prompt'>): Token[] {
    const history: ChatHistoryItem[] = [];
    if (request.system.length > 0) history.push({ type: 'system', text: request.system });
    history.push({ type: 'user', text: request.prompt }, { type: 'model', response: [] });
    const { contextText } = this.chatWrapper.generateContextState({ chatHistory: history });
    return contextText.tokenize(this.model.tokenizer);
  }

  /**
   * Progress with the text of the tokens since the last call. A character split across tokens is held
   * back until it is whole, so the stream never shows a replacement character that the result lacks.
   */
  private textStream(onProgress: (progress: GenerateProgress) => void): (output: readonly Token[], ms: number) => void {
    let shown = 0;
    return (output, ms) => {
      const text = this.model.detokenize(output.slice(shown), false, output.slice(Math.max(0, shown - CONTEXT_TOKENS), shown));
      const whole = !text.endsWith('\uFFFD');
      if (whole) shown = output.length;
      onProgress({ tokens: output.length, tokensPerSecond: ms > 0 ? (output.length * 1000) / ms : 0, text: whole ? text : '' });
    };
  }

  private triggerText(trigger: LlamaGrammar['stopGenerationTriggers'][number]): string {
    if (typeof trigger === 'string') return trigger;
    if (isLlamaText(trigger)) return trigger.toString();
    return trigger.map((part) => (typeof part === 'string' ? part : this.model.detokenize([part]))).join('');
  }

  private grammarFor(schema: JsonSchema): Promise<LlamaGrammar> {
    const key = JSON.stringify(schema);
    let grammar = this.grammars.get(key);
    if (!grammar) {
      grammar = this.llama.createGrammarForJsonSchema<GbnfJsonSchema>(schema as GbnfJsonSchema).catch((error: unknown) => {
        this.grammars.delete(key);
        throw invalidArgument('jsonSchema', `a JSON schema llama.cpp grammars support (${String(error)})`);
      });
      this.grammars.set(key, grammar);
    }
    return grammar;
  }
}

function validate(request: GenerateRequest): void {
  if (typeof request.system !== 'string') throw invalidArgument('system', 'a string', request.system);
  if (typeof request.prompt !== 'string') throw invalidArgument('prompt', 'a string', request.prompt);
  if (!Number.isInteger(request.maxTokens) || request.maxTokens < 1) {
    throw invalidArgument('maxTokens', 'a positive integer', request.maxTokens);
  }
  const { temperature, seed } = request;
  if (temperature !== undefined && !(Number.isFinite(temperature) && temperature >= 0)) {
    throw invalidArgument('temperature', 'a number >= 0', temperature);
  }
  if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0)) {
    throw invalidArgument('seed', 'a non-negative integer', seed);
  }
  const schema: unknown = request.jsonSchema;
  if (schema !== undefined && (typeof schema !== 'object' || schema === null || Array.isArray(schema))) {
    throw invalidArgument('jsonSchema', 'a JSON schema object', typeof schema === 'string' ? schema : JSON.stringify(schema));
  }
}
