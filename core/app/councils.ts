import { type Agent, type Council, DEFAULT_AGENTS, DEFAULT_ROUNDS, LIMITS, makeAgents } from '../domain/council.js';
import { FleetError, invalidArgument, notFound } from '../domain/errors.js';
import { ROLES } from '../domain/role.js';
import type { Clock } from '../ports/clock.js';
import type { CouncilStore } from '../ports/council-store.js';
import type { CreateCouncilCommand } from '../ports/fleet-service.js';

export class Councils {
  constructor(
    private readonly store: CouncilStore,
    private readonly clock: Clock,
    /** The model new councils are recorded with: the daemon's current one. */
    private readonly modelName: () => string,
  ) {}

  create(command: CreateCouncilCommand): Council {
    if (this.store.list(command.role).length > 0) {
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
    this.store.save(council);
    return council;
  }

  /** First start of a daemon or CLI: one council per role, so every role can deliberate at once. */
  ensureDefaults(): Council[] {
    return ROLES.filter((role) => this.store.list(role).length === 0).map((role) => this.create({ role, numAgents: DEFAULT_AGENTS }));
  }

  get(id: string): Council {
    const council = this.store.get(id);
    if (council === undefined) throw notFound('council', id);
    return council;
  }

  delete(id: string): void {
    if (!this.store.delete(id)) throw notFound('council', id);
  }

  registerAgent(councilId: string, agentId?: string): Agent {
    const council = this.get(councilId);
    if (council.agents.length >= LIMITS.agents.max) {
      throw new FleetError('FAILED_PRECONDITION', `council ${councilId} already has the maximum of ${LIMITS.agents.max} agents`);
    }
    const fresh = makeAgents(council.role, LIMITS.agents.max).find((a) => !council.agents.some((b) => b.id === a.id))!;
    const id = agentId ?? fresh.id;
    if (council.agents.some((a) => a.id === id)) throw invalidArgument('agent_id', `an id not already in council ${councilId}`, id);
    const agent: Agent = { ...fresh, id };
    this.store.save({ ...council, agents: [...council.agents, agent] });
    return agent;
  }

  unregisterAgent(councilId: string, agentId: string): void {
    const council = this.get(councilId);
    if (!council.agents.some((a) => a.id === agentId)) throw notFound(`agent in council ${councilId}`, agentId);
    if (council.agents.length === 1) {
      throw new FleetError('FAILED_PRECONDITION', `agent ${agentId} is the last of council ${councilId}; delete the council instead`);
    }
    this.store.save({ ...council, agents: council.agents.filter((a) => a.id !== agentId) });
  }
}
