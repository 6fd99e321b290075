import type { TaskDerivationPlanningServiceServer } from '../../../proto/gen/fleet/task_derivation/v1/task_derivation.js';
import type { Log } from '../../ports/log.js';
import { unimplemented } from './unary-call.js';

const MISSING =
  'the planning side of task derivation (plan context, derived tasks, their dependencies) is not served yet (coming in issue 10)';

/**
 * TaskDerivationPlanningService (fleet.task_derivation.v1): what task derivation reads from and writes to planning.
 * Registered under the cluster's name so cluster clients reach it; every rpc answers UNIMPLEMENTED
 * for now. Implementing one replaces its line with a `unaryCalls(log)` handler.
 */
export function taskDerivationHandlers(log: Log): TaskDerivationPlanningServiceServer {
  return {
    getPlanContext: unimplemented('GetPlanContext', MISSING, log),
    createTasks: unimplemented('CreateTasks', MISSING, log),
    listStoryTasks: unimplemented('ListStoryTasks', MISSING, log),
    saveTaskDependencies: unimplemented('SaveTaskDependencies', MISSING, log),
  };
}
