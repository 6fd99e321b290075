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

/** How an earlier attempt of the same task id ended, kept on the record of each later attempt. */
export interface EarlierAttempt {
  readonly attempt: number;
  /** FAILED, TIMEOUT or CANCELLED: a COMPLETED task is never run again. */
  readonly status: DeliberationStatus;
  readonly error?: string;
  readonly createdAtMs: number;
  readonly finishedAtMs?: number;
}

export interface Deliberation {
  readonly taskId: string;
  /**
   * 1 for the first run of the task id; a task that failed, timed out or was cancelled is retried
   * (a redelivered planning event, a reused task id) as the next attempt. Absent on records written
   * before attempts were counted: read it with `attemptOf`.
   */
  readonly attempt?: number;
  /** The attempts before this one, oldest first; their whole records are kept by the store. */
  readonly earlierAttempts?: readonly EarlierAttempt[];
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

export const attemptOf = (d: Deliberation): number => d.attempt ?? 1;

/** A task id whose deliberation ended this way is run again as a new attempt when asked for again. */
export const isRetryable = (d: Deliberation): boolean => isTerminal(d.status) && d.status !== 'COMPLETED';

/** What a retry of `d` carries over: its attempt number and the attempts before it, `d` included. */
export function nextAttempt(d: Deliberation): { readonly attempt: number; readonly earlierAttempts: readonly EarlierAttempt[] } {
  const summary: EarlierAttempt = {
    attempt: attemptOf(d),
    status: d.status,
    ...(d.error === undefined ? {} : { error: d.error }),
    createdAtMs: d.createdAtMs,
    ...(d.finishedAtMs === undefined ? {} : { finishedAtMs: d.finishedAtMs }),
  };
  return { attempt: attemptOf(d) + 1, earlierAttempts: [...(d.earlierAttempts ?? []), summary] };
}

/** Why each attempt so far did not complete, oldest first: "attempt 1 FAILED: …". */
export function attemptReasons(d: Deliberation): string[] {
  const ended = [...(d.earlierAttempts ?? []), ...(isRetryable(d) ? [{ attempt: attemptOf(d), status: d.status, error: d.error }] : [])];
  return ended.map((a) => `attempt ${a.attempt} ${a.status}${a.error === undefined ? '' : `: ${a.error}`}`);
}
