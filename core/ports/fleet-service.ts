import type { Agent, Council } from '../domain/council.js';
import type { Deliberation } from '../domain/deliberation.js';
import type { DeliberationEvent } from '../domain/events.js';
import type { Role } from '../domain/role.js';
import type { HistoryPage, HistoryQuery } from '../domain/history.js';

/**
 * The driving port: what every entry point (gRPC, CLI, NATS, UI) asks of the core. Inputs are already
 * validated domain values; the entry point validated them with its own field names.
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

export interface CreateCouncilCommand {
  readonly role: Role;
  readonly numAgents: number;
  readonly rounds?: number;
  readonly peerReview?: boolean;
}

export interface ServiceStatus {
  readonly status: 'SERVING' | 'NOT_SERVING';
  readonly uptimeSeconds: number;
  readonly model: string;
  readonly councils: number;
  /** Deliberations running in this process. */
  readonly running: number;
  /** Councils with a deliberation running in this process. */
  readonly busyCouncils: ReadonlySet<string>;
}

/** Figures over the deliberations stored (not only this process's), optionally within a recent window. */
export interface ServiceMetrics {
  readonly deliberations: {
    readonly total: number;
    readonly orchestrations: number;
    readonly completed: number;
    readonly failed: number;
    readonly running: number;
    readonly byRole: Readonly<Partial<Record<Role, number>>>;
  };
  /** Over finished deliberations; 0 when there are none. */
  readonly latencyMs: {
    readonly avgDeliberation: number;
    readonly avgOrchestration: number;
    readonly p50: number;
    readonly p95: number;
    readonly p99: number;
  };
  readonly agents: {
    readonly total: number;
    /** Agents taking part in a deliberation running now. */
    readonly active: number;
    readonly byRole: Readonly<Partial<Record<Role, number>>>;
    readonly turns: number;
    readonly failedTurns: number;
    readonly completionTokens: number;
    readonly avgTurnMs: number;
  };
  readonly councils: readonly CouncilHealth[];
}

export interface CouncilHealth {
  readonly councilId: string;
  readonly role: Role;
  /** busy while one of its deliberations runs, idle otherwise. */
  readonly status: 'busy' | 'idle';
  readonly availableAgents: number;
  readonly busyAgents: number;
  /** Completed over finished deliberations of this council, 0..1; 1 when none has finished. */
  readonly successRate: number;
}

export interface FleetService {
  deliberate(command: DeliberateCommand, options?: RunOptions): Promise<Deliberation>;
  orchestrate(command: OrchestrateCommand, options?: RunOptions): Promise<Deliberation>;
  /** Throws NOT_FOUND for an unknown task id. */
  getDeliberation(taskId: string): Deliberation;
  /**
   * Live events of a deliberation. Calls `listener` for each event from now on and returns an
   * unsubscribe function. Throws NOT_FOUND for an unknown task id.
   */
  watch(taskId: string, listener: (event: DeliberationEvent) => void): () => void;
  /**
   * Stops a deliberation running in this process at once: generation is aborted and it ends CANCELLED.
   * `cancelled` is false when it was not running here (already over). Throws NOT_FOUND for an unknown id.
   */
  cancel(taskId: string): { readonly cancelled: boolean; readonly deliberation: Deliberation };
  /** Stored deliberations matching the query, one page of them. */
  history(query: HistoryQuery): HistoryPage;

  createCouncil(command: CreateCouncilCommand): Council;
  listCouncils(role?: Role): Council[];
  /** Throws NOT_FOUND. */
  deleteCouncil(councilId: string): void;
  /** Adds an agent to a council (a generated id when none given). Throws NOT_FOUND / INVALID_ARGUMENT. */
  registerAgent(councilId: string, agentId?: string): Agent;
  unregisterAgent(councilId: string, agentId: string): void;

  status(): ServiceStatus;
  /** `sinceMs`: only deliberations and turns at or after this time. */
  metrics(options?: { readonly sinceMs?: number }): ServiceMetrics;
}
