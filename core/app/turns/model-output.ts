import type { z } from 'zod';

import { FleetError } from '../../domain/errors.js';

/**
 * A grammar keeps model output on the schema's path, but maxTokens can still cut it off mid-value.
 * This cuts such text back to its last complete member and closes what is open, so the finished
 * part survives (the schema's defaults fill the rest) instead of the whole turn failing.
 */
export function closeTruncatedJson(text: string): string {
  const stack: Array<'{' | '['> = [];
  let inString = false;
  let escaped = false;
  let clean: { end: number; open: number } | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === '\\') escaped = true;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === '{' || ch === '[') {
      stack.push(ch);
      clean = { end: i + 1, open: stack.length };
    } else if (ch === '}' || ch === ']') {
      stack.pop();
      clean = { end: i + 1, open: stack.length };
      if (stack.length === 0) return text.slice(0, i + 1);
    } else if (ch === ',') clean = { end: i, open: stack.length };
  }
  if (clean === undefined) return text;
  const closers = stack
    .slice(0, clean.open)
    .reverse()
    .map((b) => (b === '{' ? '}' : ']'))
    .join('');
  return text.slice(0, clean.end) + closers;
}

export function parseModelOutput<S extends z.ZodType>(schema: S, raw: string, what: string): z.output<S> {
  let json: unknown;
  try {
    json = JSON.parse(closeTruncatedJson(raw.trim()));
  } catch (e) {
    throw new FleetError('INTERNAL', `${what}: model output is not JSON (${(e as Error).message})`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.join('.') || '(root)';
    throw new FleetError('INTERNAL', `${what}: model output field ${path}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}
