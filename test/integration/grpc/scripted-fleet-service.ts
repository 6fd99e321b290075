import { makeAgents, type Agent, type Council } from '../../../core/domain/council.js';
import type { Deliberation } from '../../../core/domain/deliberation.js';
import { FleetError, notFound } from '../../../core/domain/errors.js';
import type { DeliberationEvent } from '../../../core/domain/events.js';
import { type HistoryPage, type HistoryQuery, searchHistory } from '../../../core/domain/history.js';
import type { Role } from '../../../core/domain/role.js';
import type { FleetUseCases } from '../../../core/adapters/grpc/fleet-use-cases.js';
import type { CouncilService, CreateCouncilCommand } from '../../../core/ports/council-service.js';
import type { DeliberateCommand, DeliberationService, OrchestrateCommand, RunOptions } from '../../../core/ports/deliberation-service.js';
import type { ServiceMetrics, ServiceStatus, StatusService } from '../../../core/ports/status-service.js';
import { completedDeliberation } from './deliberation-fixture.js';

type Run<C> = (command: C, options: RunOptions) => Promise<Deliberation>;

/**
 * The fleet's use cases with behaviour each test scripts: it records what the adapter passed in (commands,
 * signals) so tests can assert on the core's side of the wire without a model.
 */
export class ScriptedFleetService implements DeliberationService, CouncilService, StatusService {
  readonly commands: DeliberateCommand[] = [];
  readonly signals: AbortSignal[] = [];
  readonly deliberations = new Map<string, Deliberation>();
  readonly councils = new Map<string, Council>();
  private readonly listeners = new Map<string, Set<(event: DeliberationEvent) => void>>();
  unsubscribed = 0;

  runDeliberate: Run<DeliberateCommand> = async (command) =>
    completedDeliberation({ taskId: command.taskId ?? 'task-1', role: command.role });
  runOrchestrate: Run<OrchestrateCommand> = async (command) =>
    completedDeliberation({ taskId: command.taskId ?? 'task-1', role: command.role });
  statusOf: () => ServiceStatus = () => ({
    status: 'SERVING',
    uptimeSeconds: 12.7,
    model: 'tiny.gguf',
    councils: this.councils.size,
    running: 1,
    busyCouncils: new Set(['council-1']),
  });
  /** The options of each metrics() call. */
  readonly metricsQueries: { sinceMs?: number }[] = [];

  deliberate(command: DeliberateCommand, options: RunOptions = {}): Promise<Deliberation> {
    this.record(command, options);
    return this.runDeliberate(command, options);
  }

  orchestrate(command: OrchestrateCommand, options: RunOptions = {}): Promise<Deliberation> {
    this.record(command, options);
    return this.runOrchestrate(command, options);
  }

  /** What the gRPC server is given: this one object behind each use case. */
  get useCases(): FleetUseCases {
    return { deliberations: this, councils: this, status: this };
  }

  async getDeliberation(taskId: string): Promise<Deliberation> {
    return this.stored(taskId);
  }

  private stored(taskId: string): Deliberation {
    const d = this.deliberations.get(taskId);
    if (d === undefined) throw notFound('deliberation', taskId);
    return d;
  }

  async watch(taskId: string, listener: (event: DeliberationEvent) => void): Promise<() => void> {
    this.stored(taskId);
    const set = this.listeners.get(taskId) ?? new Set();
    this.listeners.set(taskId, set);
    set.add(listener);
    return () => {
      if (set.delete(listener)) this.unsubscribed += 1;
    };
  }

  /** Task ids cancel() was asked for. */
  readonly cancelled: string[] = [];

  async cancel(taskId: string): Promise<{ cancelled: boolean; deliberation: Deliberation }> {
    const deliberation = this.stored(taskId);
    this.cancelled.push(taskId);
    return { cancelled: deliberation.status === 'IN_PROGRESS', deliberation };
  }

  async history(query: HistoryQuery): Promise<HistoryPage> {
    return searchHistory([...this.deliberations.values()], query, Date.now());
  }

  /** Delivers an event to whoever watches its task. */
  emit(event: DeliberationEvent): void {
    for (const listener of this.listeners.get(event.taskId) ?? []) listener(event);
  }

  watcherCount(taskId: string): number {
    return this.listeners.get(taskId)?.size ?? 0;
  }

  async createCouncil(command: CreateCouncilCommand): Promise<Council> {
    const id = `council-${this.councils.size + 1}`;
    const council: Council = {
      id,
      role: command.role,
      agents: makeAgents(command.role, command.numAgents),
      model: 'tiny.gguf',
      rounds: command.rounds ?? 1,
      peerReview: command.peerReview ?? true,
      createdAtMs: 1_700_000_000_000,
    };
    this.councils.set(id, council);
    return council;
  }

  async listCouncils(role?: Role): Promise<Council[]> {
    return [...this.councils.values()].filter((c) => role === undefined || c.role === role);
  }

  async deleteCouncil(councilId: string): Promise<void> {
    if (!this.councils.delete(councilId)) throw notFound('council', councilId);
  }

  async registerAgent(councilId: string, agentId?: string): Promise<Agent> {
    const council = this.councils.get(councilId);
    if (council === undefined) throw notFound('council', councilId);
    const agent: Agent = {
      id: agentId ?? `${council.role.toLowerCase()}-${council.agents.length + 1}`,
      role: council.role,
      perspective: 'p',
    };
    if (council.agents.some((a) => a.id === agent.id))
      throw new FleetError('INVALID_ARGUMENT', `agent_id: ${agent.id} is already in the council`, { field: 'agent_id' });
    this.councils.set(councilId, { ...council, agents: [...council.agents, agent] });
    return agent;
  }

  async unregisterAgent(councilId: string, agentId: string): Promise<void> {
    const council = this.councils.get(councilId);
    if (council === undefined) throw notFound('council', councilId);
    if (!council.agents.some((a) => a.id === agentId)) throw notFound('agent', agentId);
    this.councils.set(councilId, { ...council, agents: council.agents.filter((a) => a.id !== agentId) });
  }

  async status(): Promise<ServiceStatus> {
    return this.statusOf();
  }

  async metrics(options: { sinceMs?: number } = {}): Promise<ServiceMetrics> {
    this.metricsQueries.push(options);
    return {
      deliberations: { total: 8, orchestrations: 2, completed: 5, failed: 2, running: 1, byRole: { DEV: 6, QA: 2 } },
      latencyMs: { avgDeliberation: 1500.5, avgOrchestration: 2100, p50: 1400, p95: 2900, p99: 3100 },
      agents: {
        total: 15,
        active: 3,
        byRole: { DEV: 3, QA: 3, ARCHITECT: 3, DEVOPS: 3, DATA: 3 },
        turns: 40,
        failedTurns: 3,
        completionTokens: 12_345,
        avgTurnMs: 210.5,
      },
      councils: [
        { councilId: 'council-1', role: 'DEV', status: 'busy', availableAgents: 0, busyAgents: 3, successRate: 0.75 },
        { councilId: 'council-2', role: 'QA', status: 'idle', availableAgents: 3, busyAgents: 0, successRate: 1 },
      ],
    };
  }

  private record(command: DeliberateCommand, options: RunOptions): void {
    this.commands.push(command);
    if (options.signal !== undefined) this.signals.push(options.signal);
  }
}

/** Rejects with the abort reason once `signal` aborts: a scripted deliberation that only ends when cancelled. */
export const untilAborted = (signal: AbortSignal | undefined): Promise<never> =>
  new Promise((_, reject) => {
    if (signal === undefined) return;
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
