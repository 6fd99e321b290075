import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LlamaGenerateRequest, LlamaLanguageModel } from '../../../core/adapters/llama/llama-language-model.js';
import { openTinyModel, rejection, tinyModelPath } from './tiny-fixture.js';

const SYSTEM = 'You are the architect on a council of software agents. Propose a plan, keep it small and clear. ';
const TASK =
  'Task: add a cache to the user service so that requests are fast and the database load stays low. ' +
  'The service has an api, a database and tests; the plan should name the risks and the tests to add. ';

const request = (over: Partial<LlamaGenerateRequest> = {}): LlamaGenerateRequest => ({
  system: SYSTEM,
  prompt: TASK,
  maxTokens: 32,
  ...over,
});

describe('llama language model on the tiny model', () => {
  let model: LlamaLanguageModel;
  beforeAll(async () => {
    model = await openTinyModel();
  });
  afterAll(async () => {
    await model.close();
  });

  it('generates text within maxTokens and reports what it did', async () => {
    const progress: number[] = [];
    const result = await model.generate(request({ maxTokens: 20, onProgress: (p) => progress.push(p.tokens) }));
    expect(result.text.length).toBeGreaterThan(0);
    expect(result.completionTokens).toBeLessThanOrEqual(20);
    expect(result.finishReason).toBe(result.completionTokens === 20 ? 'length' : 'stop');
    expect(result.promptTokens).toBeGreaterThan(50);
    expect(result.durationMs).toBeGreaterThan(0);
    expect(progress).toEqual(Array.from({ length: result.completionTokens }, (_, i) => i + 1));
    expect(model.info).toMatchObject({ backend: 'llama.cpp', name: 'tiny', gpu: false });
  });

  it('constrains output to the JSON schema, every time', async () => {
    const schema = {
      type: 'object',
      properties: {
        title: { type: 'string', maxLength: 40 },
        verdict: { enum: ['accept', 'revise', 'reject'] },
        score: { type: 'integer' },
        risks: { type: 'array', items: { type: 'string', maxLength: 20 }, maxItems: 3 },
        ready: { type: 'boolean' },
      },
      required: ['title', 'verdict', 'score', 'risks', 'ready'],
    } as const;
    const results = await Promise.all(
      [1, 2, 3, 4, 5, 6].map((seed) =>
        model.generate(request({ jsonSchema: schema, maxTokens: 400, temperature: 0.9, seed, prompt: `${TASK} Answer as JSON.` })),
      ),
    );
    for (const r of results) {
      expect(r.finishReason).toBe('stop');
      const value = JSON.parse(r.text) as Record<string, unknown>;
      expect(Object.keys(value).sort()).toEqual(['ready', 'risks', 'score', 'title', 'verdict']);
      expect(typeof value.title).toBe('string');
      expect((value.title as string).length).toBeLessThanOrEqual(40);
      expect(['accept', 'revise', 'reject']).toContain(value.verdict);
      // Not isInteger: node-llama-cpp's integer rule admits a negative exponent (12e-5).
      expect(typeof value.score).toBe('number');
      expect(Array.isArray(value.risks) && value.risks.length <= 3).toBe(true);
      for (const risk of value.risks as unknown[]) expect(typeof risk === 'string' && risk.length <= 20).toBe(true);
      expect(typeof value.ready).toBe('boolean');
    }
  });

  it('rejects invalid requests naming the field', async () => {
    expect(await rejection(model.generate(request({ maxTokens: 0 })))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'maxTokens' });
    expect(await rejection(model.generate(request({ temperature: -1 })))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'temperature' });
    expect(await rejection(model.generate(request({ jsonSchema: 'object' as never })))).toMatchObject({
      code: 'INVALID_ARGUMENT',
      field: 'jsonSchema',
    });
  });

  it('cancels promptly when aborted mid-generation, and the freed sequence serves the next request', async () => {
    const small = await openTinyModel({ maxSequences: 2 });
    try {
      const controller = new AbortController();
      let abortedAt = 0;
      const victim = small.generate(
        request({
          maxTokens: 3000,
          ignoreEos: true,
          signal: controller.signal,
          onProgress: ({ tokens }) => {
            if (tokens === 10) {
              abortedAt = performance.now();
              controller.abort();
            }
          },
        }),
      );
      const survivor = small.generate(request({ maxTokens: 600, ignoreEos: true }));
      const error = await rejection(victim);
      const latency = performance.now() - abortedAt;
      expect(error.code).toBe('CANCELLED');
      expect(latency).toBeLessThan(100);

      // Both sequences were taken; this one runs only because the victim's was given back.
      let lateDone = 0;
      const late = small.generate(request({ maxTokens: 20, prompt: 'Short one.' })).then((r) => {
        lateDone = performance.now();
        return r;
      });
      const [s, l] = await Promise.all([survivor, late]);
      expect(s.completionTokens).toBe(600);
      expect(l.completionTokens).toBeGreaterThan(0);
      expect(lateDone).toBeGreaterThan(0);
      expect(small.stats().maxStepWidth).toBe(2);
    } finally {
      await small.close();
    }
  });

  it('reports an expired deadline as DEADLINE_EXCEEDED, and an already-aborted signal as CANCELLED', async () => {
    const started = performance.now();
    const late = await rejection(model.generate(request({ maxTokens: 4000, ignoreEos: true, signal: AbortSignal.timeout(50) })));
    expect(late.code).toBe('DEADLINE_EXCEEDED');
    expect(performance.now() - started).toBeLessThan(1000);
    expect(await rejection(model.generate(request({ signal: AbortSignal.abort() })))).toMatchObject({ code: 'CANCELLED' });
  });

  it('keeps the other requests of a batch going when one fails', async () => {
    const results = await Promise.allSettled([
      model.generate(request({ maxTokens: 40, seed: 1 })),
      model.generate(
        request({
          maxTokens: 40,
          onProgress: ({ tokens }) => {
            if (tokens === 5) throw new Error('listener broke');
          },
        }),
      ),
      model.generate(request({ maxTokens: 40, prompt: 'Another task entirely.' })),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ message: 'listener broke' });
    for (const i of [0, 2]) expect((results[i] as PromiseFulfilledResult<{ completionTokens: number }>).value.completionTokens).toBe(40);
  });

  it('refuses a prompt longer than the context, and caps output at the room left', async () => {
    const short = await openTinyModel({ contextSize: 256, maxSequences: 1 });
    try {
      const tooLong = await rejection(short.generate(request({ prompt: TASK.repeat(30) })));
      expect(tooLong).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'prompt' });
      const near = await short.generate(request({ prompt: TASK.repeat(2), maxTokens: 1000, ignoreEos: true }));
      expect(near.finishReason).toBe('length');
      expect(near.promptTokens + near.completionTokens).toBeLessThanOrEqual(256);
    } finally {
      await short.close();
    }
  });

  it('reports a start that fails after loading the model as UNAVAILABLE, and the binding it shared keeps serving', async () => {
    // llama.cpp caps a context at 256 sequences: the model loads, then its context is refused.
    expect(await rejection(openTinyModel({ maxSequences: 300, contextSize: 256 }))).toMatchObject({ code: 'UNAVAILABLE' });
    expect((await model.generate(request({ maxTokens: 8 }))).completionTokens).toBeGreaterThan(0);
  });
});

describe('batching and prefix sharing', () => {
  it('decodes concurrent requests together, one sequence each in every decode', async () => {
    const model = await openTinyModel();
    try {
      const results = await Promise.all(
        [0, 1, 2, 3].map((i) => model.generate(request({ prompt: `${TASK} You are agent ${i}.`, maxTokens: 24, ignoreEos: true }))),
      );
      expect(results.every((r) => r.completionTokens === 24)).toBe(true);
      const stats = model.stats();
      expect(stats.maxStepWidth).toBe(4);
      expect(stats.maxDecodeBatchSequences).toBe(4);
      // 24 tokens each, decoded in lockstep: one step per token, not one per token per request.
      expect(stats.steps).toBeLessThanOrEqual(25);
    } finally {
      await model.close();
    }
  });

  it('queues requests beyond maxSequences and serves them all', async () => {
    const model = await openTinyModel({ maxSequences: 2 });
    try {
      const results = await Promise.all([0, 1, 2, 3, 4].map((i) => model.generate(request({ prompt: `Job ${i}.`, maxTokens: 12 }))));
      expect(results).toHaveLength(5);
      expect(model.stats().maxStepWidth).toBe(2);
    } finally {
      await model.close();
    }
  });

  it('evaluates a shared prefix once and produces token-identical output', async () => {
    const council = [1, 2, 3].map((seed) =>
      request({
        prompt: `${TASK.repeat(2)}You are agent ${seed}; your role is ${['critic', 'builder', 'tester'][seed - 1]}.`,
        maxTokens: 48,
        temperature: 0.9,
        seed,
      }),
    );
    const sharing = await openTinyModel();
    const separate = await openTinyModel({ prefixSharing: false });
    try {
      const shared = await Promise.all(council.map((r) => sharing.generate(r)));
      const alone = await Promise.all(council.map((r) => separate.generate(r)));
      expect(shared.map((r) => r.text)).toEqual(alone.map((r) => r.text));
      // The seeds make the agents diverge, so equality above is not three copies of one text.
      expect(new Set(shared.map((r) => r.text)).size).toBeGreaterThan(1);

      const s = sharing.stats();
      const a = separate.stats();
      expect(s.prefixCacheStores).toBe(1);
      expect(s.prefixCacheHits).toBe(2);
      expect(s.prefixTokensReused).toBeGreaterThan(2 * 100);
      expect(a.prefixCacheHits).toBe(0);
      expect(s.promptTokensEvaluated).toBeLessThan(a.promptTokensEvaluated * 0.6);

      // A later request with the same prefix starts from the cached state.
      const again = await sharing.generate(council[0]!);
      expect(again.text).toBe(shared[0]!.text);
      expect(sharing.stats().prefixCacheHits).toBe(3);
    } finally {
      await sharing.close();
      await separate.close();
    }
  });
});

describe('closing', () => {
  it('rejects requests in flight and after, and is idempotent', async () => {
    const model = await openTinyModel();
    const inFlight = rejection(model.generate(request({ maxTokens: 3000, ignoreEos: true })));
    await new Promise((r) => setTimeout(r, 20));
    await Promise.all([model.close(), model.close()]);
    expect(await inFlight).toMatchObject({ code: 'CANCELLED' });
    expect(await rejection(model.generate(request()))).toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('lets the process exit on its own once closed', async () => {
    const script = fileURLToPath(new URL('./exit-after-close.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, await tinyModelPath()], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`process did not exit after close(); output: ${output}`));
      }, 20_000);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect(output).toContain('generated');
    expect(code).toBe(0);
  });
});
