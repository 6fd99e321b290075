import type { Agent, Council } from '../domain/council.js';
import type { Role } from '../domain/role.js';

export interface CreateCouncilCommand {
  readonly role: Role;
  readonly numAgents: number;
  readonly rounds?: number;
  readonly peerReview?: boolean;
}

/** The councils and their agents. */
export interface CouncilService {
  /** FAILED_PRECONDITION when the role already has one. */
  createCouncil(command: CreateCouncilCommand): Promise<Council>;
  listCouncils(role?: Role): Promise<Council[]>;
  /** NOT_FOUND for an unknown id. */
  deleteCouncil(councilId: string): Promise<void>;
  /** Adds an agent to a council (a generated id when none given): NOT_FOUND / INVALID_ARGUMENT. */
  registerAgent(councilId: string, agentId?: string): Promise<Agent>;
  unregisterAgent(councilId: string, agentId: string): Promise<void>;
}
