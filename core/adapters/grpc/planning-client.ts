import { ChannelCredentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import {
  type ApproveDecisionResponse,
  type CreateEpicResponse,
  type CreateProjectResponse,
  type CreateStoryResponse,
  type CreateTaskResponse,
  type DeleteEpicResponse,
  type DeleteProjectResponse,
  type DeleteStoryResponse,
  type EpicResponse,
  type ListEpicsResponse,
  type ListProjectsResponse,
  type ListStoriesResponse,
  type ListTasksResponse,
  type ProjectResponse,
  type RejectDecisionResponse,
  type TaskResponse,
  type TransitionStoryResponse,
  type Epic as ProtoEpic,
  PlanningServiceClient,
  type Project as ProtoProject,
  type Story as ProtoStory,
  type Task as ProtoTask,
} from '../../../proto/gen/fleet/planning/v2/planning.js';
import { FleetError } from '../../domain/errors.js';
import { type Epic, type PlanTask, type Project, parseRigor, parseStoryState, type Story } from '../../domain/planning.js';
import type { PlanningService } from '../../ports/planning-service.js';
import { fromGrpcError } from './status-codes.js';

export interface PlanningClientOptions {
  readonly token?: string;
  /** PEM roots for a daemon served over TLS. */
  readonly rootCert?: Buffer;
}

/**
 * The planning use cases of a running daemon, over its gRPC API: what `fleet project|epic|story|task`
 * drive while the daemon owns the data folder. Answers come back as domain values, errors as the
 * FleetErrors the daemon raised (same codes, same messages).
 */
export function connectPlanningService(target: string, options: PlanningClientOptions = {}): PlanningService & { close(): void } {
  const credentials = options.rootCert === undefined ? ChannelCredentials.createInsecure() : ChannelCredentials.createSsl(options.rootCert);
  const client = new PlanningServiceClient(target, credentials);
  const metadata = (): Metadata => {
    const m = new Metadata();
    if (options.token !== undefined) m.set('authorization', `Bearer ${options.token}`);
    return m;
  };
  const call = <Res>(
    invoke: (metadata: Metadata, callback: (error: ServiceError | null, response: Res) => void) => unknown,
  ): Promise<Res> =>
    new Promise((resolve, reject) => {
      invoke(metadata(), (error, response) =>
        error === null ? resolve(response) : reject(fromGrpcError(error, `the daemon at ${target}`)),
      );
    });
  const present = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new FleetError('INTERNAL', `the daemon answered without the ${what}`);
    return value;
  };

  return {
    createProject: async (p) =>
      fromProject(
        present(
          (await call<CreateProjectResponse>((m, cb) => client.createProject({ ...p, rigorLevel: p.rigor ?? '' }, m, cb))).project,
          'project',
        ),
      ),
    project: async (id) =>
      fromProject(present((await call<ProjectResponse>((m, cb) => client.getProject({ projectId: id }, m, cb))).project, 'project')),
    projects: async (q) => {
      const r = await call<ListProjectsResponse>((m, cb) =>
        client.listProjects({ limit: q.limit, offset: q.offset, statusFilter: q.status }, m, cb),
      );
      return { items: r.projects.map(fromProject), total: r.totalCount };
    },
    deleteProject: async (id) => void (await call<DeleteProjectResponse>((m, cb) => client.deleteProject({ projectId: id }, m, cb))),

    createEpic: async (e) => fromEpic(present((await call<CreateEpicResponse>((m, cb) => client.createEpic(e, m, cb))).epic, 'epic')),
    epic: async (id) => fromEpic(present((await call<EpicResponse>((m, cb) => client.getEpic({ epicId: id }, m, cb))).epic, 'epic')),
    epics: async (q) => {
      const r = await call<ListEpicsResponse>((m, cb) =>
        client.listEpics({ limit: q.limit, offset: q.offset, projectId: q.projectId, statusFilter: q.status }, m, cb),
      );
      return { items: r.epics.map(fromEpic), total: r.totalCount };
    },
    deleteEpic: async (id) => void (await call<DeleteEpicResponse>((m, cb) => client.deleteEpic({ epicId: id }, m, cb))),

    createStory: async (s) => fromStory(present((await call<CreateStoryResponse>((m, cb) => client.createStory(s, m, cb))).story, 'story')),
    story: async (id) => fromStory(await call<ProtoStory>((m, cb) => client.getStory({ storyId: id }, m, cb))),
    stories: async (q) => {
      const r = await call<ListStoriesResponse>((m, cb) =>
        client.listStories({ limit: q.limit, offset: q.offset, epicId: q.epicId, stateFilter: q.state }, m, cb),
      );
      return { items: r.stories.map(fromStory), total: r.totalCount };
    },
    deleteStory: async (id) => void (await call<DeleteStoryResponse>((m, cb) => client.deleteStory({ storyId: id }, m, cb))),
    transitionStory: async (id, target, by) =>
      fromStory(
        present(
          (
            await call<TransitionStoryResponse>((m, cb) =>
              client.transitionStory({ storyId: id, targetState: target, transitionedBy: by }, m, cb),
            )
          ).story,
          'story',
        ),
      ),

    createTask: async (t) => {
      const request = {
        storyId: t.storyId,
        planId: t.planId,
        title: t.title,
        description: t.description,
        type: t.type,
        assignedTo: t.assignedTo,
        estimatedHours: t.estimatedHours,
        priority: t.priority,
        requestId: t.requestId ?? '',
      };
      return fromTask(present((await call<CreateTaskResponse>((m, cb) => client.createTask(request, m, cb))).task, 'task'));
    },
    task: async (id) => fromTask(present((await call<TaskResponse>((m, cb) => client.getTask({ taskId: id }, m, cb))).task, 'task')),
    tasks: async (q) => {
      const r = await call<ListTasksResponse>((m, cb) =>
        client.listTasks({ limit: q.limit, offset: q.offset, storyId: q.storyId, statusFilter: q.status }, m, cb),
      );
      return { items: r.tasks.map(fromTask), total: r.totalCount };
    },

    approveDecision: async (storyId, decisionId, approvedBy, comment, roles = []) => {
      const r = await call<ApproveDecisionResponse>((m, cb) =>
        client.approveDecision({ storyId, decisionId, approvedBy, comment, roles: [...roles] }, m, cb),
      );
      return { taskIds: r.taskIds };
    },
    rejectDecision: async (storyId, decisionId, rejectedBy, reason) =>
      (await call<RejectDecisionResponse>((m, cb) => client.rejectDecision({ storyId, decisionId, rejectedBy, reason }, m, cb)))
        .redeliberationTaskId,

    close: () => client.close(),
  };
}

const ms = (iso: string): number => {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? 0 : t;
};

const fromProject = (p: ProtoProject): Project => ({
  id: p.projectId,
  name: p.name,
  description: p.description,
  status: p.status,
  owner: p.owner,
  rigor: parseRigor(p.rigorLevel || 'L1', 'rigor_level'),
  createdAtMs: ms(p.createdAt),
  updatedAtMs: ms(p.updatedAt),
});

const fromEpic = (e: ProtoEpic): Epic => ({
  id: e.epicId,
  projectId: e.projectId,
  title: e.title,
  description: e.description,
  status: e.status,
  createdAtMs: ms(e.createdAt),
  updatedAtMs: ms(e.updatedAt),
});

const fromStory = (s: ProtoStory): Story => ({
  id: s.storyId,
  epicId: s.epicId,
  title: s.title,
  brief: s.brief,
  state: parseStoryState(s.state, 'state'),
  dorScore: s.dorScore,
  createdBy: s.createdBy,
  createdAtMs: ms(s.createdAt),
  updatedAtMs: ms(s.updatedAt),
});

const fromTask = (t: ProtoTask): PlanTask => ({
  id: t.taskId,
  storyId: t.storyId,
  ...(t.planId === undefined ? {} : { planId: t.planId }),
  title: t.title,
  description: t.description,
  type: t.type,
  status: t.status,
  assignedTo: t.assignedTo,
  estimatedHours: t.estimatedHours,
  priority: t.priority,
  createdAtMs: ms(t.createdAt),
  updatedAtMs: ms(t.updatedAt),
});
