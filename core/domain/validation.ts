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

export function checkDescription(value: string, field: string): string {
  const trimmed = value.trim();
  if (trimmed.length === 0) throw invalidArgument(field, 'a non-empty task description');
  if (trimmed.length > 20_000) throw invalidArgument(field, 'at most 20000 characters', `${trimmed.length} characters`);
  return trimmed;
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
