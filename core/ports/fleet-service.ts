import type { Agent, Council } from '../domain/council.js';
import type { Deliberation } from '../domain/deliberation.js';
import type { DeliberationEvent } from '../domain/events.js';
import type { Role } from '../domain/role.js';

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
}

export interface OrchestrateCommand extends DeliberateCommand {
  /** How many of the best ranked the ARCHITECT chooses among (default 3). */
  readonly topK?: number;
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
  readonly deliberations: { readonly active: number; readonly completed: number; readonly failed: number };
}

export interface ServiceMetrics {
  readonly deliberationsTotal: number;
  readonly deliberationsCompleted: number;
  readonly deliberationsFailed: number;
  readonly agentTurnsTotal: number;
  readonly agentFailuresTotal: number;
  readonly completionTokensTotal: number;
  readonly averageDurationMs: number;
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

  createCouncil(command: CreateCouncilCommand): Council;
  listCouncils(role?: Role): Council[];
  /** Throws NOT_FOUND. */
  deleteCouncil(councilId: string): void;
  /** Adds an agent to a council (a generated id when none given). Throws NOT_FOUND / INVALID_ARGUMENT. */
  registerAgent(councilId: string, agentId?: string): Agent;
  unregisterAgent(councilId: string, agentId: string): void;

  status(): ServiceStatus;
  metrics(): ServiceMetrics;
}
