import type { Role } from './role.js';

export interface Agent {
  readonly id: string;
  readonly role: Role;
  /** A short angle that keeps agents given the same task from writing the same proposal. */
  readonly perspective: string;
}

export interface Council {
  readonly id: string;
  readonly role: Role;
  readonly agents: readonly Agent[];
  /** Name of the model the council's agents run on. */
  readonly model: string;
  readonly rounds: number;
  readonly peerReview: boolean;
  readonly createdAtMs: number;
}

export const LIMITS = {
  agents: { min: 1, max: 8 },
  rounds: { min: 0, max: 5 },
} as const;

export const DEFAULT_AGENTS = 3;
export const DEFAULT_ROUNDS = 1;

const PERSPECTIVES = [
  'favour the simplest design that fully works',
  'favour robustness: failure modes, validation, recovery',
  'favour performance and resource use',
  'favour maintainability: clear structure, tests, documentation',
  'favour security and safe defaults',
  'favour the user experience and clear errors',
  'favour observability: logs, metrics, traceability',
  'favour incremental delivery with small, reversible steps',
] as const;

/** Agents of a council: ids are stable (`dev-1`, `dev-2`, ...) so results stay comparable across runs. */
export function makeAgents(role: Role, count: number): Agent[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `${role.toLowerCase()}-${i + 1}`,
    role,
    perspective: PERSPECTIVES[i % PERSPECTIVES.length]!,
  }));
}
