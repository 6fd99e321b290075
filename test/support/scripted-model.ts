import type { GenerateRequest, GenerateResult, LanguageModel } from '../../core/ports/language-model.js';

type Answer = string | Pick<GenerateResult, 'text' | 'finishReason'>;

/** A scripted model: answers `answers` in turn (the last one again once they run out) and keeps what it was asked. */
export function scripted(...answers: Answer[]): LanguageModel & { asked: GenerateRequest[] } {
  const asked: GenerateRequest[] = [];
  return {
    asked,
    info: { name: 'scripted', backend: 'llama.cpp', gpu: false },
    generate(request) {
      asked.push(request);
      const answer = answers[Math.min(asked.length, answers.length) - 1] ?? '';
      const { text, finishReason } = typeof answer === 'string' ? { text: answer, finishReason: 'stop' as const } : answer;
      return Promise.resolve({ text, promptTokens: 1, completionTokens: 1, durationMs: 1, finishReason });
    },
    close: () => Promise.resolve(),
  };
}
