import type { Agent } from './council.js';
import type { ErrorCode } from './errors.js';
import type { Proposal } from './proposal.js';
import type { Role } from './role.js';
import type { CheckSuite, RubricJudgment, Score } from './scoring.js';
import type { Task } from './task.js';

export const DELIBERATION_STATUSES = ['PENDING', 'IN_PROGRESS', 'COMPLETED', 'FAILED', 'TIMEOUT', 'CANCELLED'] as const;
export type DeliberationStatus = (typeof DELIBERATION_STATUSES)[number];

export const isTerminal = (s: DeliberationStatus): boolean => s !== 'PENDING' && s !== 'IN_PROGRESS';

export const PHASES = ['propose', 'critique', 'revise', 'score', 'rank', 'choose'] as const;
export type Phase = (typeof PHASES)[number];

export interface AgentFailure {
  readonly agentId: string;
  readonly phase: Phase;
  readonly round?: number;
  readonly code: ErrorCode;
  readonly message: string;
  readonly atMs: number;
}

export interface PhaseTiming {
  readonly phase: Phase;
  readonly round?: number;
  readonly startedAtMs: number;
  readonly finishedAtMs: number;
}

export interface DeliberationResult {
  readonly proposal: Proposal;
  readonly checks: CheckSuite;
  readonly judgment: RubricJudgment;
  readonly score: Score;
  readonly rank: number;
}

/** The ARCHITECT's pick among the top k, with its written rationale (Orchestrate). */
export interface ArchitectDecision {
  readonly chosenId: string;
  readonly rationale: string;
  readonly candidates: readonly string[];
  readonly raw: string;
}

export interface Deliberation {
  readonly taskId: string;
  readonly councilId: string;
  readonly role: Role;
  readonly task: Task;
  readonly agents: readonly Agent[];
  readonly rounds: number;
  /** Run by Orchestrate with the ARCHITECT's selection. */
  readonly orchestrated?: boolean;
  readonly model: string;
  readonly status: DeliberationStatus;
  /** Ranked best first once COMPLETED. */
  readonly results: readonly DeliberationResult[];
  readonly winnerId?: string;
  readonly decision?: ArchitectDecision;
  readonly failures: readonly AgentFailure[];
  readonly timings: readonly PhaseTiming[];
  /** The process running it (see RunOwners), so a restart only fails runs whose process is gone. */
  readonly owner?: string;
  /** The phase being worked on, so an interrupted deliberation says where it stopped. */
  readonly currentPhase?: Phase;
  readonly error?: string;
  readonly createdAtMs: number;
  readonly finishedAtMs?: number;
  readonly durationMs?: number;
}

const TRANSITIONS: Readonly<Record<DeliberationStatus, readonly DeliberationStatus[]>> = {
  PENDING: ['IN_PROGRESS', 'FAILED', 'CANCELLED', 'TIMEOUT'],
  IN_PROGRESS: ['COMPLETED', 'FAILED', 'TIMEOUT', 'CANCELLED'],
  COMPLETED: [],
  FAILED: [],
  TIMEOUT: [],
  CANCELLED: [],
};

export function canTransition(from: DeliberationStatus, to: DeliberationStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function transition(d: Deliberation, to: DeliberationStatus, atMs: number, error?: string): Deliberation {
  if (!canTransition(d.status, to)) throw new Error(`illegal deliberation transition ${d.status} -> ${to}`);
  const finished = isTerminal(to);
  return {
    ...d,
    status: to,
    ...(error === undefined ? {} : { error }),
    ...(finished ? { finishedAtMs: atMs, durationMs: atMs - d.createdAtMs, currentPhase: undefined } : {}),
  };
}

/** Marks a deliberation the process lost while it ran (a crash or kill): failed, with where it stopped. */
export function interrupted(d: Deliberation, atMs: number): Deliberation {
  const where = d.currentPhase === undefined ? '' : ` during ${d.currentPhase}`;
  return transition(d, 'FAILED', atMs, `interrupted: the daemon stopped while the deliberation was in progress${where}`);
}
