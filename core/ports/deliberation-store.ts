import type { Deliberation, DeliberationStatus, Phase } from '../domain/deliberation.js';
import type { Role } from '../domain/role.js';

/** One model call made during a deliberation, kept verbatim for audit. */
export interface TurnRecord {
  readonly taskId: string;
  /** The deliberation's attempt the turn belongs to; 1 when absent. */
  readonly attempt?: number;
  readonly agentId: string;
  readonly phase: Phase;
  readonly round?: number;
  readonly ok: boolean;
  readonly raw: string;
  readonly error?: string;
  readonly completionTokens: number;
  readonly durationMs: number;
  readonly atMs: number;
}

/** How a finished deliberation ended, for metrics without reading whole records. */
export interface DeliberationOutcome {
  readonly taskId: string;
  readonly councilId: string;
  readonly role: Role;
  readonly status: DeliberationStatus;
  readonly orchestrated: boolean;
  readonly durationMs: number;
  readonly finishedAtMs: number;
}

export interface TurnTotals {
  readonly turns: number;
  readonly failed: number;
  readonly completionTokens: number;
  /** Mean duration of the turns that succeeded; 0 when none. */
  readonly avgDurationMs: number;
}

/**
 * Durable record of deliberations. `save` is called after every step so a crash loses at most the
 * turn in flight. Asynchronous, as a store shared across a cluster is; a caller awaits each write.
 */
export interface DeliberationStore {
  /**
   * Stores the latest attempt of its task id. When the record stored for that id is an earlier
   * attempt, that record is kept among the task's `attempts` first, in the same write.
   */
  save(deliberation: Deliberation): Promise<void>;
  appendTurn(turn: TurnRecord): Promise<void>;
  /** The latest attempt. */
  get(taskId: string): Promise<Deliberation | undefined>;
  /** The whole records of the attempts before the latest, oldest first (audit). */
  attempts(taskId: string): Promise<Deliberation[]>;
  turns(taskId: string): Promise<TurnRecord[]>;
  list(options?: { limit?: number }): Promise<Deliberation[]>;
  /** Deliberations left PENDING or IN_PROGRESS, e.g. by a crash. */
  unfinished(): Promise<Deliberation[]>;
  /** Finished deliberations (finished at or after `sinceMs`), oldest first. */
  outcomes(options?: { readonly sinceMs?: number }): Promise<DeliberationOutcome[]>;
  /** Every recorded turn (at or after `sinceMs`), summed. */
  turnTotals(options?: { readonly sinceMs?: number }): Promise<TurnTotals>;
}
