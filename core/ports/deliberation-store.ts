import type { Deliberation, Phase } from '../domain/deliberation.js';

/** One model call made during a deliberation, kept verbatim for audit. */
export interface TurnRecord {
  readonly taskId: string;
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

/**
 * Durable record of deliberations. `save` is called after every step so a crash loses at most the
 * turn in flight.
 */
export interface DeliberationStore {
  save(deliberation: Deliberation): void;
  appendTurn(turn: TurnRecord): void;
  get(taskId: string): Deliberation | undefined;
  turns(taskId: string): TurnRecord[];
  list(options?: { limit?: number }): Deliberation[];
  /** Deliberations left PENDING or IN_PROGRESS, e.g. by a crash. */
  unfinished(): Deliberation[];
}
