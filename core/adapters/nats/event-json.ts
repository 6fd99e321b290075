import type { z } from 'zod';
import { FleetError } from '../../domain/errors.js';

/** Larger messages are refused before they are decoded. */
export const MAX_EVENT_BYTES = 256 * 1024;

export const encodeJson = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));

/** Size, UTF-8, then JSON: each refused as INVALID_ARGUMENT on `message`, before anything is read from it. */
export function decodeJson(data: Uint8Array, maxBytes = MAX_EVENT_BYTES): unknown {
  if (data.length > maxBytes) throw invalid('message', `at most ${maxBytes} bytes`, `${data.length} bytes`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    throw invalid('message', 'UTF-8 text');
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw invalid('message', 'JSON', `${text.length === 0 ? 'an empty message' : `invalid JSON (${(e as Error).message})`}`);
  }
}

/** One field at fault: its path from the event's top level, and the sentence naming it. */
export interface Problem {
  readonly field: string;
  readonly text: string;
}

export type Inspected<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problems: readonly Problem[] };

/** Validates `value`, found at `root` ('' for the top level), describing every field at fault. */
export function inspect<T>(schema: z.ZodType<T>, value: unknown, root: string): Inspected<T> {
  const result = schema.safeParse(value, { reportInput: true });
  return result.success
    ? { ok: true, value: result.data }
    : { ok: false, problems: result.error.issues.map((issue) => describeIssue(issue, root)) };
}

export function check<T>(schema: z.ZodType<T>, value: unknown, root: string): T {
  const inspected = inspect(schema, value, root);
  if (!inspected.ok) throw refuse(inspected.problems);
  return inspected.value;
}

/** FleetError INVALID_ARGUMENT whose message names each field at fault; `field` holds the first. */
export const refuse = (problems: readonly Problem[]): FleetError =>
  new FleetError('INVALID_ARGUMENT', problems.map((p) => p.text).join('; '), { field: problems[0]?.field ?? 'event' });

export function invalid(field: string, expected: string, got?: string): FleetError {
  return new FleetError('INVALID_ARGUMENT', `${field}: expected ${expected}${got === undefined ? '' : `, got ${got}`}`, { field });
}

function describeIssue(issue: z.core.$ZodIssue, root: string): Problem {
  const path = issue.path.reduce<string>(
    (acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc === '' ? String(key) : `${acc}.${String(key)}`),
    root,
  );
  const field = path === '' ? 'event' : path;
  const input: unknown = 'input' in issue ? issue.input : undefined;
  let expected: string;
  switch (issue.code) {
    case 'invalid_type':
      expected =
        issue.expected === 'object' || issue.expected === 'record'
          ? 'a JSON object'
          : issue.expected === 'array'
            ? 'an array'
            : `a ${issue.expected}`;
      break;
    case 'invalid_value':
      expected = issue.values.length === 1 ? JSON.stringify(issue.values[0]) : `one of ${issue.values.join(', ')}`;
      if (issue.message !== undefined && !issue.message.startsWith('Invalid')) expected = issue.message;
      break;
    case 'too_small':
      expected =
        issue.origin === 'string' && Number(issue.minimum) === 1
          ? 'a non-empty string'
          : `at least ${String(issue.minimum)} ${unit(issue.origin)}`;
      break;
    case 'too_big':
      expected = `at most ${String(issue.maximum)} ${unit(issue.origin)}`;
      break;
    default:
      expected = issue.message;
  }
  return { field, text: `${field}: expected ${expected}, got ${describeValue(input)}` };
}

const unit = (origin: string): string => (origin === 'string' ? 'characters' : origin === 'array' ? 'items' : '');

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing (missing)';
  if (value === null) return 'null';
  if (typeof value === 'string')
    return value.length > 60 ? `"${value.slice(0, 57)}..." (${value.length} characters)` : JSON.stringify(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `${typeof value} ${value}`;
  return typeof value;
}
