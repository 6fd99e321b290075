import { z } from 'zod';

// Only the fields the adapter reads; anything else a server adds is ignored, not rejected.

const usage = z.object({
  prompt_tokens: z.number().int().nonnegative(),
  completion_tokens: z.number().int().nonnegative(),
});

export const chatCompletionChunk = z.object({
  choices: z.array(
    z.object({
      delta: z
        .object({
          content: z.string().nullish(),
          // Reasoning models (vLLM --reasoning-parser) stream their thinking apart from the answer.
          reasoning_content: z.string().nullish(),
        })
        .nullish(),
      finish_reason: z.string().nullish(),
    }),
  ),
  usage: usage.nullish(),
});

export type ChatCompletionChunk = z.infer<typeof chatCompletionChunk>;

/** vLLM reports failures that happen after the stream has started as an event of this shape. */
export const streamedError = z.object({
  error: z.object({ message: z.string(), code: z.number().int().nullish() }),
});
