import { FleetError, notFound } from '../domain/errors.js';
import {
  DEFAULT_RIGOR,
  type Epic,
  type PlanTask,
  PLANNING_LIMITS,
  type Project,
  type RigorLevel,
  type Story,
  type StoryState,
  checkText,
  planTaskId,
  rerunTaskId,
  transition,
} from '../domain/planning.js';
import { isRole, type Role } from '../domain/role.js';
import { scoreStory, splitBrief, type StoryScore } from '../domain/story-coach.js';
import type { Clock } from '../ports/clock.js';
import type { ContextProjector } from './context.js';
import type { DeliberationService } from '../ports/deliberation-service.js';
import type { PlanningEventType, PlanningEvents } from '../ports/planning-events.js';
import type { Page, PageQuery, PlanningStore } from '../ports/planning-store.js';
import type { NewEpic, NewProject, NewStory, NewTask, PlanningService } from '../ports/planning-service.js';

export interface PlanningDeps {
  readonly store: PlanningStore;
  readonly events: PlanningEvents;
  readonly clock: Clock;
  /** Re-deliberations after a rejection run here. */
  readonly fleet: Pick<DeliberationService, 'getDeliberation' | 'deliberate'>;
  /** The decision graph the changes are written into, when there is one. */
  readonly projector?: ContextProjector;
}

/** When a plan names no roles and its story has no tasks saying whose work it is. */
const DEFAULT_PLAN_ROLES: readonly Role[] = ['DEV', 'QA'];
const seconds = (ms: number): number => Math.floor(ms / 1000);

/**
 * The planning use cases: the hierarchy's invariants (an epic needs its project, a story its epic, a
 * task its story), the story's state machine with the Definition of Ready, and the product owner's
 * approvals and rejections. Every change is announced as a planning event.
 */
export class Planning implements PlanningService {
  constructor(private readonly deps: PlanningDeps) {}

  async createProject(p: NewProject): Promise<Project> {
    const now = this.deps.clock.now();
    const project: Project = {
      id: `project-${this.deps.clock.newId()}`,
      name: checkText(p.name, 'name', PLANNING_LIMITS.nameChars),
      description: checkText(p.description, 'description', PLANNING_LIMITS.textChars, false),
      status: 'active',
      owner: checkText(p.owner, 'owner', PLANNING_LIMITS.nameChars, false),
      rigor: p.rigor ?? DEFAULT_RIGOR,
      createdAtMs: now,
      updatedAtMs: now,
    };
    await this.deps.store.saveProject(project);
    await this.deps.projector?.project(project);
    await this.announce('planning.project.created', { project_id: project.id, name: project.name, owner: project.owner }, project.id, now);
    return project;
  }

  project = (id: string): Promise<Project> => this.found(this.deps.store.project(id), 'project', id);
  projects = (q: PageQuery & { status?: string }): Promise<Page<Project>> => this.deps.store.projects(q);

  async deleteProject(id: string): Promise<void> {
    await this.project(id);
    await this.refuseWithChildren('project', id, this.deps.store.epics({ projectId: id, limit: 1, offset: 0 }), 'epics');
    await this.deps.store.deleteProject(id);
    await this.announce('planning.project.deleted', { project_id: id }, id, this.deps.clock.now());
  }

  async createEpic(e: NewEpic): Promise<Epic> {
    await this.found(this.deps.store.project(e.projectId), 'project', e.projectId, 'project_id');
    const now = this.deps.clock.now();
    const epic: Epic = {
      id: `epic-${this.deps.clock.newId()}`,
      projectId: e.projectId,
      title: checkText(e.title, 'title', PLANNING_LIMITS.nameChars),
      description: checkText(e.description, 'description', PLANNING_LIMITS.textChars, false),
      status: 'active',
      createdAtMs: now,
      updatedAtMs: now,
    };
    await this.deps.store.saveEpic(epic);
    await this.deps.projector?.epic(epic);
    await this.announce('planning.epic.created', { epic_id: epic.id, project_id: epic.projectId, title: epic.title }, epic.id, now);
    return epic;
  }

  epic = (id: string): Promise<Epic> => this.found(this.deps.store.epic(id), 'epic', id);
  epics = (q: PageQuery & { projectId?: string; status?: string }): Promise<Page<Epic>> => this.deps.store.epics(q);

  async deleteEpic(id: string): Promise<void> {
    await this.epic(id);
    await this.refuseWithChildren('epic', id, this.deps.store.stories({ epicId: id, limit: 1, offset: 0 }), 'stories');
    await this.deps.store.deleteEpic(id);
    await this.announce('planning.epic.deleted', { epic_id: id }, id, this.deps.clock.now());
  }

  /** The story's Definition-of-Ready score is StoryCoach's score of its title and brief. */
  async createStory(s: NewStory): Promise<Story> {
    await this.found(this.deps.store.epic(s.epicId), 'epic', s.epicId, 'epic_id');
    const title = checkText(s.title, 'title', PLANNING_LIMITS.nameChars);
    const brief = checkText(s.brief, 'brief', PLANNING_LIMITS.textChars);
    const now = this.deps.clock.now();
    const story: Story = {
      id: `story-${this.deps.clock.newId()}`,
      epicId: s.epicId,
      title,
      brief,
      state: 'DRAFT',
      dorScore: scoreBrief(title, brief).total,
      createdBy: checkText(s.createdBy, 'created_by', PLANNING_LIMITS.nameChars, false),
      createdAtMs: now,
      updatedAtMs: now,
    };
    await this.deps.store.saveStory(story);
    await this.projectStory(story);
    await this.announce(
      'planning.story.created',
      { story_id: story.id, epic_id: story.epicId, title: story.title, state: story.state, dor_score: story.dorScore },
      story.id,
      now,
    );
    return story;
  }

  story = (id: string): Promise<Story> => this.found(this.deps.store.story(id), 'story', id);
  stories = (q: PageQuery & { epicId?: string; state?: StoryState }): Promise<Page<Story>> => this.deps.store.stories(q);

  async deleteStory(id: string): Promise<void> {
    await this.story(id);
    await this.refuseWithChildren('story', id, this.deps.store.tasks({ storyId: id, limit: 1, offset: 0 }), 'tasks');
    await this.deps.store.deleteStory(id);
    await this.announce('planning.story.deleted', { story_id: id }, id, this.deps.clock.now());
  }

  /** FAILED_PRECONDITION naming the current state and the allowed targets for an illegal move. */
  async transitionStory(id: string, target: StoryState, by: string): Promise<Story> {
    const story = await this.story(id);
    const rigor = await this.rigorOf(story);
    const moved = transition(story, target, rigor, this.deps.clock.now());
    await this.deps.store.saveStory(moved);
    await this.projectStory(moved);
    await this.announce(
      'planning.story.transitioned',
      { story_id: id, from_phase: story.state, to_phase: moved.state, transitioned_by: by },
      `${id}:${story.updatedAtMs}:${target}`,
      moved.updatedAtMs,
    );
    return moved;
  }

  /** The same request id answers with the task it created first. */
  async createTask(t: NewTask): Promise<PlanTask> {
    if (t.requestId !== undefined) {
      const earlier = await this.deps.store.taskByRequest(t.requestId);
      if (earlier !== undefined) return earlier;
    }
    await this.found(this.deps.store.story(t.storyId), 'story', t.storyId, 'story_id');
    const now = this.deps.clock.now();
    const task: PlanTask = {
      ...t,
      id: `task-${this.deps.clock.newId()}`,
      title: checkText(t.title, 'title', PLANNING_LIMITS.nameChars),
      description: checkText(t.description, 'description', PLANNING_LIMITS.textChars, false),
      status: 'todo',
      createdAtMs: now,
      updatedAtMs: now,
    };
    await this.deps.store.saveTask(task);
    if (this.deps.projector !== undefined) {
      await this.deps.projector.task(task);
      await this.contextUpdated(task.storyId, now);
    }
    await this.announce(
      'planning.task.created',
      { task_id: task.id, story_id: task.storyId, ...(task.planId === undefined ? {} : { plan_id: task.planId }), type: task.type },
      task.id,
      now,
    );
    return task;
  }

  task = (id: string): Promise<PlanTask> => this.found(this.deps.store.task(id), 'task', id);
  tasks = (q: PageQuery & { storyId?: string; status?: string }): Promise<Page<PlanTask>> => this.deps.store.tasks(q);

  /**
   * The product owner approves a decision: a deliberation's (its task id), or else the story's plan
   * `decisionId`, which publishes `planning.plan.approved` in the cluster's flat form: one deliberation
   * per role (the roles given, else those the story's tasks name, else DEV and QA), each on the
   * story's title and brief. Resolves with the deliberations a plan approval starts.
   */
  async approveDecision(
    storyId: string,
    decisionId: string,
    approvedBy: string,
    comment: string,
    roles: readonly Role[] = [],
  ): Promise<{ readonly taskIds: readonly string[] }> {
    const story = await this.story(storyId);
    const by = checkText(approvedBy, 'approved_by', PLANNING_LIMITS.nameChars);
    if (await this.isDeliberation(decisionId)) {
      await this.verdict(storyId, decisionId, 'approved');
      await this.announce(
        'planning.decision.approved',
        { story_id: storyId, decision_id: decisionId, approved_by: by, comment },
        `${decisionId}:approved`,
        this.deps.clock.now(),
      );
      return { taskIds: [] };
    }
    const chosen = await this.approvePlan(story, decisionId, by, roles);
    return { taskIds: chosen.map((role) => planTaskId(decisionId, role)) };
  }

  private async approvePlan(story: Story, planId: string, approvedBy: string, roles: readonly Role[]): Promise<readonly Role[]> {
    const chosen = roles.length > 0 ? roles : await this.rolesOf(story);
    const now = this.deps.clock.now();
    // Kept for task derivation, which reads the plan's story and roles by its id.
    await this.deps.store.savePlan({ id: planId, storyId: story.id, roles: chosen, approvedBy, createdAtMs: now });
    if (this.deps.projector !== undefined) {
      await this.deps.projector.plan(story.id, planId, chosen, now, approvedBy);
      await this.contextUpdated(story.id, now);
    }
    await this.announce(
      'planning.plan.approved',
      {
        plan_id: planId,
        story_id: story.id,
        approved_by: approvedBy,
        roles: chosen,
        title: story.title,
        description: `${story.title}\n\n${story.brief}`,
      },
      `${planId}:${chosen.join(',')}`,
      now,
    );
    return chosen;
  }

  /**
   * The product owner rejects the decision a deliberation took (its task id), with a reason: the task
   * is deliberated again under a new id, its prompt carrying the reason. Resolves with that task id.
   */
  async rejectDecision(storyId: string, decisionId: string, rejectedBy: string, reason: string): Promise<string> {
    await this.story(storyId);
    const why = checkText(reason, 'reason', PLANNING_LIMITS.textChars);
    const by = checkText(rejectedBy, 'rejected_by', PLANNING_LIMITS.nameChars);
    let rejected;
    try {
      rejected = await this.deps.fleet.getDeliberation(decisionId);
    } catch (e) {
      if (e instanceof FleetError && e.code === 'NOT_FOUND')
        throw new FleetError('NOT_FOUND', `decision not found: ${decisionId}`, { field: 'decision_id' });
      throw e;
    }
    await this.verdict(storyId, decisionId, 'rejected');
    const taskId = await this.nextRound(decisionId);
    const { task } = rejected;
    const winner = rejected.winnerId === undefined ? '' : ` (the winner was ${rejected.winnerId})`;
    const description =
      `${task.description}\n\nThe product owner rejected the previous decision${winner}. Their reason: ${why}\n` +
      'Propose again, and address that reason.';
    // Started, not awaited: the re-deliberation is followed like any other, by its task id.
    this.deps.fleet
      .deliberate({
        taskId,
        description,
        role: task.role,
        rubric: task.constraints.rubric,
        requirements: task.constraints.requirements,
        storyId,
        ...(task.planId === undefined ? {} : { planId: task.planId }),
      })
      .catch(() => undefined);
    await this.announce(
      'planning.decision.rejected',
      { story_id: storyId, decision_id: decisionId, rejected_by: by, reason: why, redeliberation_task_id: taskId },
      taskId,
      this.deps.clock.now(),
    );
    return taskId;
  }

  private async verdict(storyId: string, decisionId: string, status: 'approved' | 'rejected'): Promise<void> {
    if (this.deps.projector === undefined) return;
    const now = this.deps.clock.now();
    await this.deps.projector.verdict(decisionId, status, now);
    await this.contextUpdated(storyId, now);
  }

  private async projectStory(story: Story): Promise<void> {
    if (this.deps.projector === undefined) return;
    await this.deps.projector.story(story);
    await this.contextUpdated(story.id, story.updatedAtMs);
  }

  /** Tells readers of the story's context (caches, the cluster) that it changed. */
  contextUpdated(storyId: string, atMs: number): Promise<void> {
    return this.announce('context.updated', { story_id: storyId, version: Math.floor(atMs) }, `${storyId}:${Math.floor(atMs)}`, atMs);
  }

  private async isDeliberation(taskId: string): Promise<boolean> {
    try {
      await this.deps.fleet.getDeliberation(taskId);
      return true;
    } catch {
      return false;
    }
  }

  private async nextRound(decisionId: string): Promise<string> {
    for (let n = 1; ; n++) {
      const candidate = rerunTaskId(decisionId, n);
      if (!(await this.isDeliberation(candidate))) return candidate;
    }
  }

  private async rolesOf(story: Story): Promise<readonly Role[]> {
    const { items } = await this.deps.store.tasks({ storyId: story.id, limit: PLANNING_LIMITS.pageMax, offset: 0 });
    const named = [...new Set(items.map((t) => t.type.toUpperCase()).filter(isRole))];
    return named.length > 0 ? named : DEFAULT_PLAN_ROLES;
  }

  private async rigorOf(story: Story): Promise<RigorLevel> {
    const epic = await this.deps.store.epic(story.epicId);
    const project = epic === undefined ? undefined : await this.deps.store.project(epic.projectId);
    return project?.rigor ?? DEFAULT_RIGOR;
  }

  private async found<T>(lookup: Promise<T | undefined>, what: string, id: string, field?: string): Promise<T> {
    const value = await lookup;
    if (value === undefined) {
      const error = notFound(what, id);
      throw field === undefined ? error : new FleetError('NOT_FOUND', error.message, { field });
    }
    return value;
  }

  private async refuseWithChildren(what: string, id: string, children: Promise<Page<unknown>>, kind: string): Promise<void> {
    const { total } = await children;
    if (total > 0) throw new FleetError('FAILED_PRECONDITION', `${what} ${id} still has ${total} ${kind}: delete them first`);
  }

  private announce(type: PlanningEventType, fields: Record<string, unknown>, key: string, atMs: number): Promise<void> {
    return this.deps.events.publish(type, flatEvent(type, fields, atMs), key);
  }
}

/** A planning event as the cluster publishes it: flat, its type inside, the time in seconds. */
export const flatEvent = (type: PlanningEventType, fields: Record<string, unknown>, atMs: number): Record<string, unknown> => ({
  event_type: type,
  ...fields,
  timestamp: seconds(atMs),
});

/** StoryCoach's score of a planning story, whose acceptance criteria live in its brief. */
export const scoreBrief = (title: string, brief: string): StoryScore => scoreStory({ title, ...splitBrief(brief) });
