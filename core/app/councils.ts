import { type Agent, type Council, DEFAULT_AGENTS, DEFAULT_ROUNDS, LIMITS, makeAgents } from '../domain/council.js';
import { FleetError, invalidArgument, notFound } from '../domain/errors.js';
import { ROLES, type Role } from '../domain/role.js';
import { Semaphore } from '../base/semaphore.js';
import type { Clock } from '../ports/clock.js';
import type { CouncilStore } from '../ports/council-store.js';
import type { CouncilService, CreateCouncilCommand } from '../ports/council-service.js';

/** The councils and their agents, kept in the council store. */
export class Councils implements CouncilService {
  constructor(
    private readonly store: CouncilStore,
    private readonly clock: Clock,
    /** The model new councils are recorded with: the daemon's current one. */
    private readonly modelName: () => string,
  ) {}

  /** Read-modify-write of a council is one at a time, or two at once could both pass its checks. */
  private readonly changes = new Semaphore(1);

  createCouncil(command: CreateCouncilCommand): Promise<Council> {
    return this.exclusive(() => this.create(command));
  }

  private async create(command: CreateCouncilCommand): Promise<Council> {
    if ((await this.store.list(command.role)).length > 0) {
      throw new FleetError('FAILED_PRECONDITION', `a council for role ${command.role} already exists; delete it first`, { field: 'role' });
    }
    const council: Council = {
      id: `council-${command.role.toLowerCase()}-${this.clock.newId().slice(0, 8)}`,
      role: command.role,
      agents: makeAgents(command.role, command.numAgents),
      model: this.modelName(),
      rounds: command.rounds ?? DEFAULT_ROUNDS,
      peerReview: command.peerReview ?? true,
      createdAtMs: this.clock.now(),
    };
    await this.store.save(council);
    return council;
  }

  listCouncils(role?: Role): Promise<Council[]> {
    return this.store.list(role);
  }

  /** First start of a daemon or CLI: one council per role, so every role can deliberate at once. */
  ensureDefaults(): Promise<Council[]> {
    return this.exclusive(async () => {
      const created: Council[] = [];
      for (const role of ROLES) {
        if ((await this.store.list(role)).length === 0) created.push(await this.create({ role, numAgents: DEFAULT_AGENTS }));
      }
      return created;
    });
  }

  private async get(id: string): Promise<Council> {
    const council = await this.store.get(id);
    if (council === undefined) throw notFound('council', id);
    return council;
  }

  async deleteCouncil(id: string): Promise<void> {
    if (!(await this.store.delete(id))) throw notFound('council', id);
  }

  registerAgent(councilId: string, agentId?: string): Promise<Agent> {
    return this.exclusive(() => this.addAgent(councilId, agentId));
  }

  private async addAgent(councilId: string, agentId?: string): Promise<Agent> {
    const council = await this.get(councilId);
    if (council.agents.length >= LIMITS.agents.max) {
      throw new FleetError('FAILED_PRECONDITION', `council ${councilId} already has the maximum of ${LIMITS.agents.max} agents`);
    }
    const fresh = makeAgents(council.role, LIMITS.agents.max).find((a) => !council.agents.some((b) => b.id === a.id))!;
    const id = agentId ?? fresh.id;
    if (council.agents.some((a) => a.id === id)) throw invalidArgument('agent_id', `an id not already in council ${councilId}`, id);
    const agent: Agent = { ...fresh, id };
    await this.store.save({ ...council, agents: [...council.agents, agent] });
    return agent;
  }

  unregisterAgent(councilId: string, agentId: string): Promise<void> {
    return this.exclusive(() => this.removeAgent(councilId, agentId));
  }

  private async removeAgent(councilId: string, agentId: string): Promise<void> {
    const council = await this.get(councilId);
    if (!council.agents.some((a) => a.id === agentId)) throw notFound(`agent in council ${councilId}`, agentId);
    if (council.agents.length === 1) {
      throw new FleetError('FAILED_PRECONDITION', `agent ${agentId} is the last of council ${councilId}; delete the council instead`);
    }
    await this.store.save({ ...council, agents: council.agents.filter((a) => a.id !== agentId) });
  }

  private async exclusive<T>(change: () => Promise<T>): Promise<T> {
    const release = await this.changes.acquire();
    try {
      return await change();
    } finally {
      release();
    }
  }
}
