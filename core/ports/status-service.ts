import type { Role } from '../domain/role.js';

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

/** How the service is doing: what GetStatus, GetMetrics and the System view show. */
export interface StatusService {
  status(): Promise<ServiceStatus>;
  /** `sinceMs`: only deliberations and turns at or after this time. */
  metrics(options?: { readonly sinceMs?: number }): Promise<ServiceMetrics>;
}
