import type { Epic, PlanTask, Project, Story, StoryState } from '../domain/planning.js';
import type { ApprovedPlan, TaskDependency } from '../domain/task-derivation.js';

export interface Page<T> {
  readonly items: readonly T[];
  /** How many match, beyond this page too. */
  readonly total: number;
}

export interface PageQuery {
  readonly limit: number;
  readonly offset: number;
}

/**
 * Projects, epics, stories and tasks. Asynchronous, as every store shared across a cluster is; records
 * come back as they were saved, newest first in lists.
 */
export interface PlanningStore {
  saveProject(project: Project): Promise<void>;
  project(id: string): Promise<Project | undefined>;
  projects(query: PageQuery & { readonly status?: string }): Promise<Page<Project>>;
  /** False when there was none. */
  deleteProject(id: string): Promise<boolean>;

  saveEpic(epic: Epic): Promise<void>;
  epic(id: string): Promise<Epic | undefined>;
  epics(query: PageQuery & { readonly projectId?: string; readonly status?: string }): Promise<Page<Epic>>;
  deleteEpic(id: string): Promise<boolean>;

  saveStory(story: Story): Promise<void>;
  story(id: string): Promise<Story | undefined>;
  stories(query: PageQuery & { readonly epicId?: string; readonly state?: StoryState }): Promise<Page<Story>>;
  deleteStory(id: string): Promise<boolean>;

  /** Refused (ALREADY_EXISTS naming request_id) when another task holds the same request id. */
  saveTask(task: PlanTask): Promise<void>;
  task(id: string): Promise<PlanTask | undefined>;
  taskByRequest(requestId: string): Promise<PlanTask | undefined>;
  tasks(query: PageQuery & { readonly storyId?: string; readonly status?: string }): Promise<Page<PlanTask>>;

  /** Approving a plan again (other roles) replaces the record. */
  savePlan(plan: ApprovedPlan): Promise<void>;
  plan(id: string): Promise<ApprovedPlan | undefined>;
  /** Added to the story's; an edge already there keeps its first reason. */
  saveDependencies(storyId: string, dependencies: readonly TaskDependency[], atMs: number): Promise<void>;
  /** In the order they were saved. */
  dependencies(storyId: string): Promise<readonly TaskDependency[]>;
}
