import type { ContextServiceServer } from '../../../proto/gen/fleet/context/v1/context.js';
import type { Log } from '../../ports/log.js';
import { unimplemented } from './unary-call.js';

const MISSING = 'the context graph service is not served yet (coming in issue 10)';

/**
 * ContextService (fleet.context.v1): the context graph agents read their prompts from.
 * Registered under the cluster's name so cluster clients reach it; every rpc answers UNIMPLEMENTED
 * for now. Implementing one replaces its line with a `unaryCalls(log)` handler.
 */
export function contextHandlers(log: Log): ContextServiceServer {
  return {
    getContext: unimplemented('GetContext', MISSING, log),
    updateContext: unimplemented('UpdateContext', MISSING, log),
    rehydrateSession: unimplemented('RehydrateSession', MISSING, log),
    validateScope: unimplemented('ValidateScope', MISSING, log),
    createStory: unimplemented('CreateStory', MISSING, log),
    createTask: unimplemented('CreateTask', MISSING, log),
    addProjectDecision: unimplemented('AddProjectDecision', MISSING, log),
    transitionPhase: unimplemented('TransitionPhase', MISSING, log),
    getGraphRelationships: unimplemented('GetGraphRelationships', MISSING, log),
  };
}
