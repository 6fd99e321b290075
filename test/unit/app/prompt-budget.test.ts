import { describe, expect, it } from 'vitest';

import { promptBudget } from '../../../core/app/turns/prompt-budget.js';
import { FleetError } from '../../../core/domain/errors.js';
import type { Task } from '../../../core/domain/task.js';
import type { LanguageModel } from '../../../core/ports/language-model.js';

const task = (description: string, maxTokens = 100): Task => ({
  id: 't',
  description,
  role: 'DEV',
  constraints: { rubric: ['clarity'], requirements: ['logs failures'], timeoutMs: 1000, maxTokens },
});

/** Counts a token per 4 characters, as a stand-in tokenizer. */
const model = (contextTokens?: number): LanguageModel => ({
  info: { name: 'counting', backend: 'llama.cpp', gpu: false },
  ...(contextTokens === undefined
    ? {}
    : { contextTokens, countPromptTokens: ({ system, prompt }) => Math.ceil((system.length + prompt.length) / 4) }),
  generate: () => Promise.reject(new Error('not used')),
  close: () => Promise.resolve(),
});

describe('promptBudget', () => {
  it('checks nothing for a model that cannot count (a remote server)', () => {
    expect(() => promptBudget(model())(task('x'.repeat(100_000), 200))).not.toThrow();
  });

  it('lets through a task whose prompt and answer fit, and refuses one that does not, with the counts', () => {
    const check = promptBudget(model(1000));
    expect(() => check(task('Add retries'))).not.toThrow();
    let error: unknown;
    try {
      check(task('x'.repeat(8000), 200));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FleetError);
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'task_description' });
    expect((error as Error).message).toMatch(
      /a proposal needs (\d+) tokens \((\d+) of prompt.*128 at the least to answer\) and counting holds 1000/,
    );
  });

  it('needs room for a short answer, not the whole max_tokens: the engine stops where the context ends', () => {
    const check = promptBudget(model(1000));
    expect(() => check(task('Add retries', 100_000))).not.toThrow();
    // A prompt that leaves fewer than 128 tokens to answer in is refused.
    const roomFor = (answer: number) => 'x'.repeat(4 * (1000 - answer) - 900);
    expect(() => check(task(roomFor(200), 100_000))).not.toThrow();
    expect(() => check(task(roomFor(60), 100_000))).toThrow(/does not fit/);
  });
});
