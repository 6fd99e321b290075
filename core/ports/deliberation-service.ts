import type { Deliberation } from '../domain/deliberation.js';
import type { DeliberationEvent } from '../domain/events.js';
import type { Role } from '../domain/role.js';
import type { HistoryPage, HistoryQuery } from '../domain/history.js';

/**
 * Driving ports are split by use case (deliberations here; councils, status, planning and context
 * beside it), so an entry point depends on what it uses. Inputs are already validated domain values:
 * the entry point validated them with its own field names.
 */

export interface DeliberateCommand {
  /** Caller-chosen id (idempotency, lookups); generated when absent. */
  readonly taskId?: string;
  readonly description: string;
  readonly role: Role;
  readonly rubric?: readonly string[];
  readonly requirements?: readonly string[];
  readonly timeoutMs?: number;
  readonly maxTokens?: number;
  /** Default: the council's. */
  readonly rounds?: number;
  /** Default: all of the council's agents. */
  readonly numAgents?: number;
  /** false: no critique/revise rounds whatever `rounds` says. Default: the council's setting. */
  readonly peerReview?: boolean;
  /** The planning story and plan the task belongs to, carried into events for the cluster's consumers. */
  readonly storyId?: string;
  readonly planId?: string;
}

export interface OrchestrateCommand extends DeliberateCommand {
  /** How many of the best ranked the ARCHITECT chooses among (default 3). */
  readonly topK?: number;
  /** false: the best ranked stands, no ARCHITECT turn. Default true. */
  readonly architectSelection?: boolean;
}

export interface RunOptions {
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: DeliberationEvent) => void;
}

/** Running deliberations and reading them back: what every entry point (gRPC, CLI, NATS, UI) asks. */
export interface DeliberationService {
  deliberate(command: DeliberateCommand, options?: RunOptions): Promise<Deliberation>;
  orchestrate(command: OrchestrateCommand, options?: RunOptions): Promise<Deliberation>;
  /** Rejects with NOT_FOUND for an unknown task id. */
  getDeliberation(taskId: string): Promise<Deliberation>;
  /**
   * Live events of a deliberation. Calls `listener` for each event from now on and resolves with an
   * unsubscribe function; one already over gets its outcome at once. NOT_FOUND for an unknown task id.
   */
  watch(taskId: string, listener: (event: DeliberationEvent) => void): Promise<() => void>;
  /**
   * Stops a deliberation running in this process at once: generation is aborted and it ends CANCELLED.
   * `cancelled` is false when it was not running here (already over). NOT_FOUND for an unknown id.
   */
  cancel(taskId: string): Promise<{ readonly cancelled: boolean; readonly deliberation: Deliberation }>;
  /** Stored deliberations matching the query, one page of them. */
  history(query: HistoryQuery): Promise<HistoryPage>;
}
