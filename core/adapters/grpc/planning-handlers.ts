import type { PlanningServiceServer } from '../../../proto/gen/fleet/planning/v2/planning.js';
import type { Log } from '../../ports/log.js';
import { unimplemented } from './unary-call.js';

const MISSING =
  'the planning service (projects, epics, stories, tasks, backlog review and planning ceremonies) is not served yet (coming in issue 10)';

/**
 * PlanningService (fleet.planning.v2): projects, epics, stories, tasks, backlog review and planning ceremonies.
 * Registered under the cluster's name so cluster clients reach it; every rpc answers UNIMPLEMENTED
 * for now. Implementing one replaces its line with a `unaryCalls(log)` handler.
 */
export function planningHandlers(log: Log): PlanningServiceServer {
  return {
    createProject: unimplemented('CreateProject', MISSING, log),
    getProject: unimplemented('GetProject', MISSING, log),
    listProjects: unimplemented('ListProjects', MISSING, log),
    deleteProject: unimplemented('DeleteProject', MISSING, log),
    createEpic: unimplemented('CreateEpic', MISSING, log),
    getEpic: unimplemented('GetEpic', MISSING, log),
    listEpics: unimplemented('ListEpics', MISSING, log),
    deleteEpic: unimplemented('DeleteEpic', MISSING, log),
    createStory: unimplemented('CreateStory', MISSING, log),
    listStories: unimplemented('ListStories', MISSING, log),
    transitionStory: unimplemented('TransitionStory', MISSING, log),
    approveDecision: unimplemented('ApproveDecision', MISSING, log),
    rejectDecision: unimplemented('RejectDecision', MISSING, log),
    getStory: unimplemented('GetStory', MISSING, log),
    deleteStory: unimplemented('DeleteStory', MISSING, log),
    createTask: unimplemented('CreateTask', MISSING, log),
    getTask: unimplemented('GetTask', MISSING, log),
    listTasks: unimplemented('ListTasks', MISSING, log),
    createBacklogReviewCeremony: unimplemented('CreateBacklogReviewCeremony', MISSING, log),
    getBacklogReviewCeremony: unimplemented('GetBacklogReviewCeremony', MISSING, log),
    listBacklogReviewCeremonies: unimplemented('ListBacklogReviewCeremonies', MISSING, log),
    addStoriesToReview: unimplemented('AddStoriesToReview', MISSING, log),
    removeStoryFromReview: unimplemented('RemoveStoryFromReview', MISSING, log),
    addAgentDeliberation: unimplemented('AddAgentDeliberation', MISSING, log),
    startBacklogReviewCeremony: unimplemented('StartBacklogReviewCeremony', MISSING, log),
    approveReviewPlan: unimplemented('ApproveReviewPlan', MISSING, log),
    rejectReviewPlan: unimplemented('RejectReviewPlan', MISSING, log),
    completeBacklogReviewCeremony: unimplemented('CompleteBacklogReviewCeremony', MISSING, log),
    cancelBacklogReviewCeremony: unimplemented('CancelBacklogReviewCeremony', MISSING, log),
    startPlanningCeremony: unimplemented('StartPlanningCeremony', MISSING, log),
    getPlanningCeremony: unimplemented('GetPlanningCeremony', MISSING, log),
    listPlanningCeremonies: unimplemented('ListPlanningCeremonies', MISSING, log),
  };
}
