import { invalidArgument } from './errors.js';
import type { Role } from './role.js';

/**
 * What each role may see of a story's decision graph in each phase, how much of it fits its prompt,
 * and what never reaches a prompt at all. Keyed by our role names (the cluster keyed its policy by
 * lower-case names, so DEV and QA got none), one table for writing and reading.
 */

export const CONTEXT_PHASES = ['DESIGN', 'BUILD', 'TEST', 'DOCS'] as const;
export type ContextPhase = (typeof CONTEXT_PHASES)[number];

export const SCOPES = [
  'CASE_HEADER',
  'PLAN_HEADER',
  'SUBTASKS_ROLE',
  'SUBTASKS_ALL',
  'DECISIONS_RELEVANT_ROLE',
  'DECISIONS_ALL',
  'DEPS_RELEVANT',
  'MILESTONES',
] as const;
export type Scope = (typeof SCOPES)[number];

const EVERYTHING: readonly Scope[] = SCOPES;
const BUILDER: readonly Scope[] = ['CASE_HEADER', 'PLAN_HEADER', 'SUBTASKS_ROLE', 'DECISIONS_RELEVANT_ROLE', 'DEPS_RELEVANT'];
const REVIEWER: readonly Scope[] = ['CASE_HEADER', 'PLAN_HEADER', 'SUBTASKS_ALL', 'DECISIONS_ALL', 'MILESTONES'];
const HEADERS: readonly Scope[] = ['CASE_HEADER', 'PLAN_HEADER', 'MILESTONES'];

/** The scopes a role sees in a phase: exactly these, no more (ValidateScope checks against them). */
export const SCOPE_POLICY: Readonly<Record<Role, Readonly<Record<ContextPhase, readonly Scope[]>>>> = {
  ARCHITECT: { DESIGN: EVERYTHING, BUILD: EVERYTHING, TEST: EVERYTHING, DOCS: EVERYTHING },
  DEV: { DESIGN: [...BUILDER, 'DECISIONS_ALL'], BUILD: BUILDER, TEST: BUILDER, DOCS: HEADERS },
  QA: { DESIGN: REVIEWER, BUILD: REVIEWER, TEST: [...REVIEWER, 'DEPS_RELEVANT'], DOCS: HEADERS },
  DEVOPS: { DESIGN: BUILDER, BUILD: BUILDER, TEST: BUILDER, DOCS: HEADERS },
  DATA: { DESIGN: BUILDER, BUILD: BUILDER, TEST: BUILDER, DOCS: HEADERS },
};

/** Tokens a role's context may take when the caller names no budget. */
export const ROLE_TOKEN_BUDGET: Readonly<Record<Role, number>> = { ARCHITECT: 8192, DEV: 4096, QA: 4096, DEVOPS: 4096, DATA: 4096 };

export function parsePhase(value: string, field: string): ContextPhase {
  const upper = value.trim().toUpperCase();
  const phase = CONTEXT_PHASES.find((p) => p === upper);
  if (phase === undefined) throw invalidArgument(field, `one of ${CONTEXT_PHASES.join(', ')}`, value);
  return phase;
}

export function checkBudget(value: number, field: string): number {
  if (!Number.isInteger(value) || value <= 0 || value > 1_000_000)
    throw invalidArgument(field, 'a positive number of tokens (at most 1000000)', value);
  return value;
}

export interface ScopeCheck {
  readonly allowed: boolean;
  readonly missing: readonly Scope[];
  readonly extra: readonly string[];
  readonly reason: string;
}

/** Whether `provided` is exactly what the role may see in the phase. */
export function validateScopes(role: Role, phase: ContextPhase, provided: readonly string[]): ScopeCheck {
  const policy = SCOPE_POLICY[role][phase];
  const given = new Set(provided.map((s) => s.trim().toUpperCase()));
  const missing = policy.filter((s) => !given.has(s));
  const extra = [...given].filter((s) => !(policy as readonly string[]).includes(s));
  const allowed = missing.length === 0 && extra.length === 0;
  const reason = allowed
    ? `${role} in ${phase} sees exactly these scopes`
    : [
        missing.length > 0 ? `missing ${missing.join(', ')}` : '',
        extra.length > 0 ? `${role} may not see ${extra.join(', ')} in ${phase}` : '',
      ]
        .filter((s) => s !== '')
        .join('; ');
  return { allowed, missing, extra, reason };
}

// Credentials a story, a plan or a decision may quote by mistake. Each is replaced whole.
const SECRETS: readonly RegExp[] = [
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g,
  /\bgh[pousr]_[A-Za-z0-9]{30,}\b/g,
  /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/g,
  /\bsk-[A-Za-z0-9_-]{16,}\b/g,
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b/g,
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi,
  /\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:[^\s@]+@/gi,
  /\b((?:api[_-]?key|secret|token|password|passwd|pwd|access[_-]?key|client[_-]?secret)\s*[:=]\s*)("[^"]*"|'[^']*'|\S+)/gi,
];
export const REDACTED = '[REDACTED]';

/** The text with every credential it quotes replaced by [REDACTED] (the key's name is kept). */
export function redact(text: string): string {
  return SECRETS.reduce(
    (out, pattern) =>
      out.replace(pattern, (match: string, ...groups: unknown[]) => {
        const name = groups[0];
        if (typeof name === 'string' && /^(Bearer|Basic)$/i.test(name)) return `${name} ${REDACTED}`;
        if (typeof name === 'string' && /[:=]\s*$/.test(name)) return `${name}${REDACTED}`;
        if (match.includes('://')) return `${match.slice(0, match.indexOf('://') + 3)}${REDACTED}@`;
        return REDACTED;
      }),
    text,
  );
}
