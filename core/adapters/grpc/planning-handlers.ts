import type {
  Epic as ProtoEpic,
  PlanningServiceServer,
  Project as ProtoProject,
  Story as ProtoStory,
  Task as ProtoTask,
} from '../../../proto/gen/fleet/planning/v2/planning.js';
import { FleetError, invalidArgument } from '../../domain/errors.js';
import { type Epic, type PlanTask, PLANNING_LIMITS, type Project, parseRigor, parseStoryState, type Story } from '../../domain/planning.js';
import { parseRole } from '../../domain/validation.js';
import type { Log } from '../../ports/log.js';
import type { PlanningService } from '../../ports/planning-service.js';
import { wireId as id } from './request-mapping.js';
import { unaryCalls, unimplemented } from './unary-call.js';

const MISSING = 'the backlog review and planning ceremonies are not served yet (coming after issue 10)';
const DEFAULT_PAGE = 100;

/**
 * PlanningService (fleet.planning.v2) over the planning use cases: projects, epics, stories, tasks,
 * the story's state machine and the product owner's decisions. Requests are checked here, once; errors
 * name the wire field. The ceremonies answer UNIMPLEMENTED naming what is missing.
 */
export function planningHandlers(service: PlanningService | undefined, log: Log): PlanningServiceServer {
  const unary = unaryCalls(log);
  const served = (): PlanningService => {
    if (service === undefined) throw new FleetError('FAILED_PRECONDITION', 'this server runs without the planning service');
    return service;
  };
  const ok = { success: true, message: '' };
  return {
    createProject: unary('CreateProject', async (r) => ({
      project: toProject(
        await served().createProject({
          name: r.name,
          description: r.description,
          owner: r.owner,
          ...(r.rigorLevel === '' ? {} : { rigor: parseRigor(r.rigorLevel, 'rigor_level') }),
        }),
      ),
      ...ok,
      message: 'project created',
    })),
    getProject: unary('GetProject', async (r) => ({ project: toProject(await served().project(id(r.projectId, 'project_id'))), ...ok })),
    listProjects: unary('ListProjects', async (r) => {
      const page = await served().projects({ ...paging(r), ...(r.statusFilter ? { status: r.statusFilter } : {}) });
      return { projects: page.items.map(toProject), totalCount: page.total, ...ok };
    }),
    deleteProject: unary('DeleteProject', async (r) => {
      await served().deleteProject(id(r.projectId, 'project_id'));
      return { ...ok, message: `deleted project ${r.projectId}` };
    }),

    createEpic: unary('CreateEpic', async (r) => ({
      epic: toEpic(await served().createEpic({ projectId: id(r.projectId, 'project_id'), title: r.title, description: r.description })),
      ...ok,
      message: 'epic created',
    })),
    getEpic: unary('GetEpic', async (r) => ({ epic: toEpic(await served().epic(id(r.epicId, 'epic_id'))), ...ok })),
    listEpics: unary('ListEpics', async (r) => {
      const page = await served().epics({
        ...paging(r),
        ...(r.projectId ? { projectId: r.projectId } : {}),
        ...(r.statusFilter ? { status: r.statusFilter } : {}),
      });
      return { epics: page.items.map(toEpic), totalCount: page.total, ...ok };
    }),
    deleteEpic: unary('DeleteEpic', async (r) => {
      await served().deleteEpic(id(r.epicId, 'epic_id'));
      return { ...ok, message: `deleted epic ${r.epicId}` };
    }),

    createStory: unary('CreateStory', async (r) => ({
      story: toStory(
        await served().createStory({ epicId: id(r.epicId, 'epic_id'), title: r.title, brief: r.brief, createdBy: r.createdBy }),
      ),
      ...ok,
      message: 'story created',
    })),
    listStories: unary('ListStories', async (r) => {
      const page = await served().stories({
        ...paging(r),
        ...(r.epicId ? { epicId: r.epicId } : {}),
        ...(r.stateFilter ? { state: parseStoryState(r.stateFilter, 'state_filter') } : {}),
      });
      return { stories: page.items.map(toStory), totalCount: page.total, ...ok };
    }),
    transitionStory: unary('TransitionStory', async (r) => {
      const story = await served().transitionStory(
        id(r.storyId, 'story_id'),
        parseStoryState(r.targetState, 'target_state'),
        r.transitionedBy,
      );
      return { story: toStory(story), ...ok, message: `story ${story.id} is ${story.state}` };
    }),
    approveDecision: unary('ApproveDecision', async (r) => {
      const roles = r.roles.map((role, i) => parseRole(role, `roles[${i}]`));
      const { taskIds } = await served().approveDecision(
        id(r.storyId, 'story_id'),
        id(r.decisionId, 'decision_id'),
        r.approvedBy,
        r.comment ?? '',
        roles,
      );
      return { ...ok, message: taskIds.length > 0 ? `plan approved: ${taskIds.join(', ')}` : 'decision approved', taskIds: [...taskIds] };
    }),
    rejectDecision: unary('RejectDecision', async (r) => {
      const taskId = await served().rejectDecision(id(r.storyId, 'story_id'), id(r.decisionId, 'decision_id'), r.rejectedBy, r.reason);
      return { ...ok, message: `deliberating again as ${taskId}`, redeliberationTaskId: taskId };
    }),
    getStory: unary('GetStory', async (r) => toStory(await served().story(id(r.storyId, 'story_id')))),
    deleteStory: unary('DeleteStory', async (r) => {
      await served().deleteStory(id(r.storyId, 'story_id'));
      return { ...ok, message: `deleted story ${r.storyId}` };
    }),

    createTask: unary('CreateTask', async (r) => ({
      task: toTask(
        await served().createTask({
          storyId: id(r.storyId, 'story_id'),
          ...(r.planId ? { planId: r.planId } : {}),
          title: r.title,
          description: r.description,
          type: r.type,
          assignedTo: r.assignedTo,
          estimatedHours: nonNegative(r.estimatedHours, 'estimated_hours'),
          priority: nonNegative(r.priority, 'priority'),
          requestId: id(r.requestId, 'request_id'),
        }),
      ),
      ...ok,
      message: 'task created',
    })),
    getTask: unary('GetTask', async (r) => ({ task: toTask(await served().task(id(r.taskId, 'task_id'))), ...ok })),
    listTasks: unary('ListTasks', async (r) => {
      const page = await served().tasks({
        ...paging(r),
        ...(r.storyId ? { storyId: r.storyId } : {}),
        ...(r.statusFilter ? { status: r.statusFilter } : {}),
      });
      return { tasks: page.items.map(toTask), totalCount: page.total, ...ok };
    }),

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

function nonNegative(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 0) throw invalidArgument(field, 'a non-negative integer', value);
  return value;
}

function paging(r: { limit: number; offset: number }): { limit: number; offset: number } {
  const limit = r.limit === 0 ? DEFAULT_PAGE : r.limit;
  if (!Number.isInteger(limit) || limit < 1 || limit > PLANNING_LIMITS.pageMax) {
    throw invalidArgument('limit', `1..${PLANNING_LIMITS.pageMax} (0 for ${DEFAULT_PAGE})`, r.limit);
  }
  if (r.offset < 0) throw invalidArgument('offset', 'a non-negative integer', r.offset);
  return { limit, offset: r.offset };
}

// The cluster's times are ISO 8601 strings.
const iso = (ms: number): string => new Date(ms).toISOString();

const toProject = (p: Project): ProtoProject => ({
  projectId: p.id,
  name: p.name,
  description: p.description,
  status: p.status,
  owner: p.owner,
  createdAt: iso(p.createdAtMs),
  updatedAt: iso(p.updatedAtMs),
  rigorLevel: p.rigor,
});

const toEpic = (e: Epic): ProtoEpic => ({
  epicId: e.id,
  projectId: e.projectId,
  title: e.title,
  description: e.description,
  status: e.status,
  createdAt: iso(e.createdAtMs),
  updatedAt: iso(e.updatedAtMs),
});

const toStory = (s: Story): ProtoStory => ({
  storyId: s.id,
  epicId: s.epicId,
  title: s.title,
  brief: s.brief,
  state: s.state,
  dorScore: s.dorScore,
  createdBy: s.createdBy,
  createdAt: iso(s.createdAtMs),
  updatedAt: iso(s.updatedAtMs),
});

const toTask = (t: PlanTask): ProtoTask => ({
  taskId: t.id,
  storyId: t.storyId,
  planId: t.planId,
  title: t.title,
  description: t.description,
  type: t.type,
  status: t.status,
  assignedTo: t.assignedTo,
  estimatedHours: t.estimatedHours,
  priority: t.priority,
  createdAt: iso(t.createdAtMs),
  updatedAt: iso(t.updatedAtMs),
});
