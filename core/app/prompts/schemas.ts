import { z } from 'zod';

import type { JsonSchema } from '../../ports/language-model.js';

// One definition per turn output: the JSON schema handed to the model (grammar / guided decoding) is
// derived from the same zod schema that validates what comes back, so the two cannot drift.

// Defaults let output cut short at maxTokens still parse (see model-output.ts): a missing section then
// costs the proposal in the deterministic checks instead of failing the agent.
const text = (max: number) => z.string().max(max).default('');
const list = (max: number, items: number) => z.array(z.string().max(max)).max(items).default([]);

// Length caps are enforced by the grammar while generating, so one runaway section cannot eat the
// whole token budget and leave the later sections empty.
export const proposalOutput = z.object({
  summary: text(240),
  approach: text(1200),
  risks: text(480),
  requirements: list(200, 8),
});

export const critiqueOutput = z.object({
  feedback: text(600),
  issues: list(200, 5),
});

/**
 * The model is offered only the integers 0..10 (a grammar enforces that locally), but what comes back
 * is accepted as any number: a remote server may not honour the schema, and the domain clamps values,
 * recording the repair, rather than losing the whole judgment.
 */
const criterionScore = z
  .number()
  .optional()
  .meta({ enum: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10] });

export const judgmentOutput = (rubric: readonly string[]) =>
  z.object({
    scores: z.object(Object.fromEntries(rubric.map((name) => [name, criterionScore]))).default({}),
    comment: text(240),
  });

export const choiceOutput = (candidateIds: readonly [string, ...string[]]) =>
  z.object({
    chosen_id: z.enum(candidateIds),
    rationale: text(800),
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
