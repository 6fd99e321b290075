import { LIMITS } from './council.js';
import { invalidArgument } from './errors.js';
import { isRole, ROLES, type Role } from './role.js';

// Each entry point names fields its own way (task_description on the wire, the positional task in the
// CLI), so the rules take the caller's field name and the error names it.

export function parseRole(value: string, field: string): Role {
  const upper = value.trim().toUpperCase();
  if (!isRole(upper)) throw invalidArgument(field, `one of ${ROLES.join(', ')}`, value);
  return upper;
}

/** What a task may carry. Past these a prompt no local model holds, and a stored record of megabytes. */
export const TASK_LIMITS = {
  descriptionChars: 20_000,
  requirements: 32,
  requirementChars: 500,
  rubricChars: 2_000,
  rubricCriteria: 16,
  criterionChars: 80,
} as const;

export function checkDescription(value: string, field: string): string {
  const trimmed = value.trim();
  if (trimmed.length === 0) throw invalidArgument(field, 'a non-empty task description');
  if (trimmed.length > TASK_LIMITS.descriptionChars) {
    throw invalidArgument(field, `at most ${TASK_LIMITS.descriptionChars} characters`, `${trimmed.length} characters`);
  }
  return trimmed;
}

/** Stated requirements, trimmed, empty ones dropped; at most TASK_LIMITS.requirements of bounded length. */
export function checkRequirements(values: readonly string[], field: string): string[] {
  const kept = values.map((r) => r.trim()).filter((r) => r.length > 0);
  if (kept.length > TASK_LIMITS.requirements)
    throw invalidArgument(field, `at most ${TASK_LIMITS.requirements} requirements`, `${kept.length}`);
  const long = kept.findIndex((r) => r.length > TASK_LIMITS.requirementChars);
  if (long >= 0) {
    throw invalidArgument(`${field}[${long}]`, `at most ${TASK_LIMITS.requirementChars} characters`, `${kept[long]!.length} characters`);
  }
  return kept;
}

/** Rubric criteria, trimmed and deduplicated; at most TASK_LIMITS.rubricCriteria of bounded length. */
export function checkRubric(criteria: readonly string[], field: string): string[] {
  const kept = [...new Set(criteria.map((c) => c.trim()).filter((c) => c.length > 0))];
  if (kept.length > TASK_LIMITS.rubricCriteria)
    throw invalidArgument(field, `at most ${TASK_LIMITS.rubricCriteria} criteria`, `${kept.length}`);
  const long = kept.find((c) => c.length > TASK_LIMITS.criterionChars);
  if (long !== undefined) throw invalidArgument(field, `criteria of at most ${TASK_LIMITS.criterionChars} characters`, long);
  return kept;
}

function checkInteger(value: number, field: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) throw invalidArgument(field, `an integer in ${min}..${max}`, value);
  return value;
}

export const checkAgentCount = (value: number, field: string): number => checkInteger(value, field, LIMITS.agents.min, LIMITS.agents.max);

export const checkRounds = (value: number, field: string): number => checkInteger(value, field, LIMITS.rounds.min, LIMITS.rounds.max);

export const checkPositive = (value: number, field: string, max: number): number => checkInteger(value, field, 1, max);

const TASK_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
export function checkTaskId(value: string, field: string): string {
  if (!TASK_ID.test(value)) throw invalidArgument(field, 'letters, digits, ".", "_", ":" or "-", at most 128 characters', value);
  return value;
}
