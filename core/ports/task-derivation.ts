import type { PlanTask, Story } from '../domain/planning.js';
import type { Role } from '../domain/role.js';
import type { ApprovedPlan, TaskDependency } from '../domain/task-derivation.js';
import type { NewTask } from './planning-service.js';

export interface DeriveCommand {
  readonly planId: string;
  /** When set, the plan must be this story's. */
  readonly storyId?: string;
  /** Who does the work; the plan's roles when empty. */
  readonly roles?: readonly Role[];
  readonly maxTasksPerRole?: number;
  readonly signal?: AbortSignal;
}

export interface Derivation {
  readonly plan: ApprovedPlan;
  readonly tasks: readonly PlanTask[];
  /** Between the tasks above, by task id. */
  readonly dependencies: readonly TaskDependency[];
}

/**
 * The driving port of task derivation: what the orchestrator's DeriveSubtasks and the cluster's
 * TaskDerivationPlanningService ask. Unknown plans, stories and tasks are NOT_FOUND naming the field; a
 * dependency cycle is INVALID_ARGUMENT naming the cycle.
 */
export interface TaskDerivationService {
  planContext(planId: string): Promise<{ readonly plan: ApprovedPlan; readonly story: Story }>;
  /** Deriving a plan that has tasks answers with them, without asking the model again. */
  derive(command: DeriveCommand): Promise<Derivation>;
  createTasks(commands: readonly NewTask[]): Promise<readonly PlanTask[]>;
  storyTasks(storyId: string): Promise<readonly PlanTask[]>;
  saveDependencies(planId: string, storyId: string, edges: readonly TaskDependency[]): Promise<void>;
}
