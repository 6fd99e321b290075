/**
 * Continuous batching over the sequences of one llama.cpp context.
 *
 * Concurrent generation loops over one context batch poorly (~1.0x measured): each sequence's next
 * token is sampled on its own native callback, so the library's next-tick dispatch sees one or two
 * sequences at a time. Here one loop owns every sequence: each step it asks all active sequences for
 * their next token together and awaits them all, so every llama decode carries all of them. New
 * requests are admitted between steps, finished ones retired, and a prompt prefix shared by
 * requests admitted together is evaluated once and copied to the others (see prefix-sharing.ts).
 * A council of 3 (200-token prompts, 128 tokens each), against the same three run one by one:
 * 1.6x on the tiny model, 1.4x on a 127 MB one (2 cores; see test/bench/council-bench.ts).
 */
import type { LlamaContext, LlamaContextSequence, LlamaGrammarEvaluationState, Token } from 'node-llama-cpp';
import { abortError, FleetError } from '../../domain/errors.js';
import type { Admission, PrefixSharing } from './prefix-sharing.js';
import { BATCH_THREADS_MIN_TOKENS } from './threads.js';

export interface GenerationJob {
  /** The formatted prompt. */
  readonly tokens: readonly Token[];
  readonly maxTokens: number;
  readonly temperature: number;
  readonly seed: number | undefined;
  readonly grammar: LlamaGrammarEvaluationState | undefined;
  /** Generation stops once the text ends with one of these (a JSON grammar ends in "\n\n\n\n"). */
  readonly stopTexts: readonly string[];
  /** Replace end-of-generation tokens with `ignoreEosWith`, so exactly maxTokens are produced (bench). */
  readonly ignoreEosWith: Token | undefined;
  readonly signal: AbortSignal | undefined;
  /** After each token, with every token generated so far. */
  readonly onToken: ((output: readonly Token[], sinceStartMs: number) => void) | undefined;
}

export interface GenerationOutcome {
  readonly tokens: readonly Token[];
  readonly finishReason: 'stop' | 'length';
}

export interface SchedulerStats {
  readonly steps: number;
  /** Most sequences the scheduler advanced in one step. */
  readonly maxStepWidth: number;
  /** Most sequences llama.cpp saw in one decode batch (observed by the batch strategy). */
  readonly maxDecodeBatchSequences: number;
  /** Prompt tokens evaluated (not copied from a shared prefix). */
  readonly promptTokensEvaluated: number;
  readonly completionTokens: number;
  /** Wall time the loop ran. */
  readonly busyMs: number;
  /** Part of busyMs spent awaiting llama.cpp (decode, sampling, state copies). */
  readonly llamaMs: number;
}

export interface BatchSchedulerOptions {
  /** Loads each admitted sequence with its prompt's shared or cached prefix. */
  readonly prefixSharing: PrefixSharing;
  /** Called before each step with the kind of work it is: prompt evaluation or a decode step. */
  readonly onStepKind?: (kind: StepKind) => void;
}

export type StepKind = 'batch' | 'decode';

interface Slot {
  readonly job: GenerationJob;
  readonly resolve: (outcome: GenerationOutcome) => void;
  readonly reject: (error: unknown) => void;
  readonly detachAbort: () => void;
  settled: boolean;
  sequence: LlamaContextSequence | undefined;
  generator: AsyncGenerator<Token, void, void | Token | Token[]> | undefined;
  /** Tokens its next step evaluates: the rest of the prompt at first, then one. */
  stepTokens: number;
  readonly output: Token[];
  /** Token to feed instead of the sampled one at the next step. */
  substitute: Token | undefined;
  /** The end of the text so far, as long as the longest stop text. */
  tail: string;
  startedAt: number;
}

export class BatchScheduler {
  private readonly pending: Slot[] = [];
  private active: Slot[] = [];
  /** In creation order, which is llama.cpp's sequence id order. */
  private readonly sequences: LlamaContextSequence[] = [];
  private readonly free = new Set<LlamaContextSequence>();
  private loop: Promise<void> | undefined;
  private runningSince: number | undefined;
  private closed = false;
  private counters = {
    steps: 0,
    maxStepWidth: 0,
    maxDecodeBatchSequences: 0,
    promptTokensEvaluated: 0,
    completionTokens: 0,
    busyMs: 0,
    llamaMs: 0,
  };

  constructor(
    private readonly context: LlamaContext,
    private readonly options: BatchSchedulerOptions,
  ) {}

  /** For the context's batch strategy (see observed-parallelism-strategy.ts). */
  recordDecodeBatch(sequences: number): void {
    if (sequences > this.counters.maxDecodeBatchSequences) this.counters.maxDecodeBatchSequences = sequences;
  }

  stats(): SchedulerStats {
    const running = this.runningSince === undefined ? 0 : performance.now() - this.runningSince;
    return { ...this.counters, busyMs: this.counters.busyMs + running };
  }

  submit(job: GenerationJob): Promise<GenerationOutcome> {
    if (this.closed) return Promise.reject(new FleetError('UNAVAILABLE', 'model is closed'));
    if (job.signal?.aborted) return Promise.reject(abortError(job.signal));
    return new Promise<GenerationOutcome>((resolve, reject) => {
      const onAbort = (): void => {
        // Reject now; the loop frees the sequence at the next step boundary.
        if (job.signal) this.fail(slot, abortError(job.signal));
        const index = this.pending.indexOf(slot);
        if (index >= 0) this.pending.splice(index, 1);
      };
      job.signal?.addEventListener('abort', onAbort, { once: true });
      const slot: Slot = {
        job,
        resolve,
        reject,
        detachAbort: () => job.signal?.removeEventListener('abort', onAbort),
        settled: false,
        sequence: undefined,
        generator: undefined,
        stepTokens: 0,
        output: [],
        substitute: undefined,
        tail: '',
        startedAt: 0,
      };
      this.pending.push(slot);
      this.kick();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const closing = new FleetError('CANCELLED', 'model closed while the request was running');
    for (const slot of [...this.pending, ...this.active]) this.fail(slot, closing);
    this.pending.length = 0;
    await this.loop;
  }

  private kick(): void {
    if (this.loop) return;
    // Start on the next macrotask, so that requests issued together (Promise.all over a council's
    // agents) are admitted together and can share their prompt prefix.
    this.loop = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.run())
      .finally(() => {
        this.loop = undefined;
        if (!this.closed && this.pending.length > 0) this.kick();
      });
  }

  private async run(): Promise<void> {
    const started = performance.now();
    this.runningSince = started;
    try {
      while (!this.closed && (this.pending.length > 0 || this.active.length > 0)) {
        await this.retireCancelled();
        await this.admit();
        // Every admitted request may have failed or been cancelled during admission.
        if (this.active.length > 0) await this.step();
      }
    } catch (error) {
      // A bug here must not leave callers waiting forever.
      const failure = new FleetError('INTERNAL', `batch scheduler failed: ${String(error)}`, { cause: error });
      for (const slot of [...this.pending, ...this.active]) this.fail(slot, failure);
      this.pending.length = 0;
    } finally {
      await Promise.all(this.active.map((slot) => this.retire(slot)));
      this.active = [];
      this.counters.busyMs += performance.now() - started;
      this.runningSince = undefined;
    }
  }

  /** Frees the sequences of requests cancelled since the last step, before anyone waits for one. */
  private async retireCancelled(): Promise<void> {
    const cancelled = this.active.filter((slot) => slot.settled);
    if (cancelled.length === 0) return;
    this.active = this.active.filter((slot) => !slot.settled);
    const t0 = performance.now();
    await Promise.all(cancelled.map((slot) => this.retire(slot)));
    this.counters.llamaMs += performance.now() - t0;
  }

  /** Advances every active sequence by one token, in one decode. */
  private async step(): Promise<void> {
    const stepping = this.active;
    const tokens = stepping.reduce((sum, slot) => sum + slot.stepTokens, 0);
    this.options.onStepKind?.(tokens >= BATCH_THREADS_MIN_TOKENS ? 'batch' : 'decode');
    const t0 = performance.now();
    const results = await Promise.allSettled(
      stepping.map((slot) => {
        const input = slot.substitute;
        slot.substitute = undefined;
        slot.stepTokens = 1;
        return slot.generator!.next(input);
      }),
    );
    this.counters.llamaMs += performance.now() - t0;
    this.counters.steps++;
    if (stepping.length > this.counters.maxStepWidth) this.counters.maxStepWidth = stepping.length;

    const done = stepping.filter((slot, i) => this.advance(slot, results[i]!));
    if (done.length > 0) {
      this.active = this.active.filter((slot) => !done.includes(slot));
      const t1 = performance.now();
      await Promise.all(done.map((slot) => this.retire(slot)));
      this.counters.llamaMs += performance.now() - t1;
    }
  }

  /** Takes one step's result for a slot; true when the slot is done. */
  private advance(slot: Slot, result: PromiseSettledResult<IteratorResult<Token, void>>): boolean {
    if (slot.settled) return true;
    if (result.status === 'rejected') {
      this.fail(slot, new FleetError('INTERNAL', `generation failed: ${String(result.reason)}`, { cause: result.reason }));
      return true;
    }
    if (result.value.done) return this.finish(slot, 'stop');
    let token = result.value.value;
    if (this.context.model.isEogToken(token)) {
      if (slot.job.ignoreEosWith === undefined) return this.finish(slot, 'stop');
      token = slot.job.ignoreEosWith;
      slot.substitute = token;
    }
    slot.output.push(token);
    this.counters.completionTokens++;
    try {
      slot.job.onToken?.(slot.output, performance.now() - slot.startedAt);
    } catch (error) {
      this.fail(slot, error);
      return true;
    }
    if (slot.job.stopTexts.length > 0 && this.endsWithStopText(slot, token)) return this.finish(slot, 'stop');
    return slot.output.length >= slot.job.maxTokens ? this.finish(slot, 'length') : false;
  }

  private endsWithStopText(slot: Slot, token: Token): boolean {
    const { stopTexts } = slot.job;
    const keep = Math.max(...stopTexts.map((t) => t.length));
    slot.tail = (slot.tail + this.context.model.detokenize([token])).slice(-keep);
    return stopTexts.some((t) => slot.tail.endsWith(t));
  }

  private finish(slot: Slot, finishReason: 'stop' | 'length'): true {
    if (!slot.settled) {
      slot.settled = true;
      slot.detachAbort();
      slot.resolve({ tokens: slot.output, finishReason });
    }
    return true;
  }

  private fail(slot: Slot, error: unknown): void {
    if (slot.settled) return;
    slot.settled = true;
    slot.detachAbort();
    slot.reject(error);
  }

  /** Ends a slot's generator and gives its sequence back. */
  private async retire(slot: Slot): Promise<void> {
    try {
      await slot.generator?.return();
    } catch {
      // The request already has its outcome; a failure to stop its generator changes nothing for it.
    }
    slot.generator = undefined;
    if (slot.sequence) {
      this.free.add(slot.sequence);
      slot.sequence = undefined;
    }
  }

  /**
   * The free sequence with the lowest id. llama.cpp (per-sequence KV streams) decodes a batch in one
   * pass only when its sequence ids are consecutive and ascending; otherwise it splits the batch,
   * and a 3-sequence step costs 15 ms instead of 11.7 (127 MB model). Lowest-first keeps the active
   * ids packed, and step() issues them in id order.
   */
  private acquire(): LlamaContextSequence | undefined {
    const reused = this.sequences.find((sequence) => this.free.has(sequence));
    if (reused) {
      this.free.delete(reused);
      return reused;
    }
    if (this.context.sequencesLeft === 0) return undefined;
    const created = this.context.getSequence();
    this.sequences.push(created);
    return created;
  }

  /** Gives waiting requests free sequences and loads their prompts' shared prefixes. */
  private async admit(): Promise<void> {
    const admitted: Array<Admission & { readonly slot: Slot }> = [];
    while (this.pending.length > 0) {
      if (this.pending[0]!.settled) {
        this.pending.shift();
        continue;
      }
      const sequence = this.acquire();
      if (!sequence) break;
      const slot = this.pending.shift()!;
      slot.sequence = sequence;
      admitted.push({ slot, tokens: slot.job.tokens, sequence, start: 0, fail: (error) => this.fail(slot, error) });
    }
    if (admitted.length === 0) return;

    const t0 = performance.now();
    this.options.onStepKind?.('batch');
    this.counters.promptTokensEvaluated += await this.options.prefixSharing.load(admitted);
    this.counters.llamaMs += performance.now() - t0;

    for (const { slot, sequence, start } of admitted) {
      if (slot.settled) {
        await this.retire(slot);
        continue;
      }
      const { job } = slot;
      const remaining = job.tokens.slice(start);
      this.counters.promptTokensEvaluated += remaining.length;
      slot.stepTokens = remaining.length;
      slot.startedAt = performance.now();
      slot.generator = sequence.evaluate(remaining, {
        temperature: job.temperature,
        seed: job.seed,
        grammarEvaluationState: job.grammar,
        yieldEogToken: true,
      });
      this.active.push(slot);
    }
    const order = (slot: Slot): number => this.sequences.indexOf(slot.sequence!);
    this.active.sort((a, b) => order(a) - order(b));
  }
}
