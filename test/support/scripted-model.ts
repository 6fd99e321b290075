import type { GenerateRequest, LanguageModel } from '../../core/ports/language-model.js';

/** A scripted model: answers `texts` in turn (the last one again once they run out) and keeps what it was asked. */
export function scripted(...texts: string[]): LanguageModel & { asked: GenerateRequest[] } {
  const asked: GenerateRequest[] = [];
  return {
    asked,
    info: { name: 'scripted', backend: 'llama.cpp', gpu: false },
    generate(request) {
      asked.push(request);
      const text = texts[Math.min(asked.length, texts.length) - 1] ?? '';
      return Promise.resolve({ text, promptTokens: 1, completionTokens: 1, durationMs: 1, finishReason: 'stop' });
    },
    close: () => Promise.resolve(),
  };
}
