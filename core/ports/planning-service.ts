import type { Epic, PlanTask, Project, RigorLevel, Story, StoryState } from '../domain/planning.js';
import type { Role } from '../domain/role.js';
import type { Page, PageQuery } from './planning-store.js';

export interface NewProject {
  readonly name: string;
  readonly description: string;
  readonly owner: string;
  readonly rigor?: RigorLevel;
}
export interface NewEpic {
  readonly projectId: string;
  readonly title: string;
  readonly description: string;
}
export interface NewStory {
  readonly epicId: string;
  readonly title: string;
  readonly brief: string;
  readonly createdBy: string;
}
export type NewTask = Omit<PlanTask, 'id' | 'status' | 'createdAtMs' | 'updatedAtMs'>;

/**
 * The driving port of planning: what the planning API, the CLI and the app ask. Unknown ids are
 * NOT_FOUND naming the id; a move the story's state machine refuses is FAILED_PRECONDITION naming the
 * current state and the allowed targets.
 */
export interface PlanningService {
  createProject(p: NewProject): Promise<Project>;
  project(id: string): Promise<Project>;
  projects(q: PageQuery & { readonly status?: string }): Promise<Page<Project>>;
  /** Refused while it still has epics. */
  deleteProject(id: string): Promise<void>;

  createEpic(e: NewEpic): Promise<Epic>;
  epic(id: string): Promise<Epic>;
  epics(q: PageQuery & { readonly projectId?: string; readonly status?: string }): Promise<Page<Epic>>;
  deleteEpic(id: string): Promise<void>;

  createStory(s: NewStory): Promise<Story>;
  story(id: string): Promise<Story>;
  stories(q: PageQuery & { readonly epicId?: string; readonly state?: StoryState }): Promise<Page<Story>>;
  deleteStory(id: string): Promise<void>;
  transitionStory(id: string, target: StoryState, by: string): Promise<Story>;

  /** Idempotent on the task's request id. */
  createTask(t: NewTask): Promise<PlanTask>;
  task(id: string): Promise<PlanTask>;
  tasks(q: PageQuery & { readonly storyId?: string; readonly status?: string }): Promise<Page<PlanTask>>;

  approveDecision(
    storyId: string,
    decisionId: string,
    approvedBy: string,
    comment: string,
    roles?: readonly Role[],
  ): Promise<{ readonly taskIds: readonly string[] }>;
  /** Resolves with the id of the deliberation started again with the reason in its prompt. */
  rejectDecision(storyId: string, decisionId: string, rejectedBy: string, reason: string): Promise<string>;
}
