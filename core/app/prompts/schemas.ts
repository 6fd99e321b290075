import { z } from 'zod';

import type { JsonSchema } from '../../ports/language-model.js';

// One definition per turn output: the JSON schema handed to the model (grammar / guided decoding) is
// derived from the same zod schema that validates what comes back, so the two cannot drift.

// Defaults let output cut short at maxTokens still parse (see model-output.ts): a missing section then
// costs the proposal in the deterministic checks instead of failing the agent.
const text = (max: number) => z.string().max(max).default('');
const list = (max: number, items: number) => z.array(z.string().max(max)).max(items).default([]);

export const proposalOutput = z.object({
  summary: text(600),
  approach: text(3000),
  risks: text(1200),
  requirements: list(400, 12),
});

export const critiqueOutput = z.object({
  feedback: text(1500),
  issues: list(300, 6),
});

/** Scores are deliberately only "numbers" here: the domain clamps them, recording any repair. */
export const judgmentOutput = (rubric: readonly string[]) =>
  z.object({
    scores: z.object(Object.fromEntries(rubric.map((name) => [name, z.number().optional()]))).default({}),
    comment: text(600),
  });

export const choiceOutput = (candidateIds: readonly [string, ...string[]]) =>
  z.object({
    chosen_id: z.enum(candidateIds),
    rationale: text(1500),
  });

/** The schema the model is held to: every field required, no defaults (grammars don't take them). */
export function toJsonSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema) as Record<string, unknown>;
  return stripDefaults(rest) as JsonSchema;
}

function stripDefaults(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(stripDefaults);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) if (key !== 'default') out[key] = stripDefaults(value);
  if (out['type'] === 'object' && out['properties'] !== undefined) {
    out['required'] = Object.keys(out['properties'] as object);
  }
  return out;
}
