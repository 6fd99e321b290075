import { z } from 'zod';
import { FleetError, notFound } from '../domain/errors.js';
import { type PlanTask, PLANNING_LIMITS, type Story } from '../domain/planning.js';
import { ROLES, type Role } from '../domain/role.js';
import {
  type ApprovedPlan,
  checkAcyclic,
  checkDerivedTasks,
  DERIVATION_LIMITS,
  type DerivedTask,
  type TaskDependency,
} from '../domain/task-derivation.js';
import type { Clock } from '../ports/clock.js';
import type { JsonSchema, LanguageModel } from '../ports/language-model.js';
import type { PlanningEvents } from '../ports/planning-events.js';
import type { NewTask } from '../ports/planning-service.js';
import type { PlanningStore } from '../ports/planning-store.js';
import type { DeriveCommand, Derivation, TaskDerivationService } from '../ports/task-derivation.js';
import type { ContextProjector } from './context.js';
import { flatEvent, type Planning } from './planning.js';
import { parseModelOutput } from './turns/model-output.js';

export interface TaskDerivationDeps {
  /** Tasks are created through planning: idempotent on their request id, projected, announced. */
  readonly planning: Pick<Planning, 'story' | 'createTask' | 'tasks' | 'contextUpdated'>;
  /** The approved plans and the dependencies between tasks. */
  readonly store: Pick<PlanningStore, 'plan' | 'saveDependencies' | 'dependencies'>;
  readonly model: LanguageModel;
  readonly events: PlanningEvents;
  readonly clock: Clock;
  /** The story's context for the planner's prompt, when the daemon has a decision graph. */
  readonly storyContext?: (storyId: string, role: Role) => Promise<{ readonly text: string } | undefined>;
  readonly projector?: ContextProjector;
}

const PLANNER: Role = 'ARCHITECT';
const SYSTEM =
  'You are a software architect. You cut an approved plan into small tasks, each for one role and doable in a day or two, ' +
  'and say which task waits for which. Answer with JSON only.';
// Room for a task at its longest (title and description at their limits), for as many tasks as the schema allows.
const TOKENS_PER_TASK = 200;
const TITLE_CHARS = 120;
const DESCRIPTION_CHARS = 400;
// Atomic tasks: an hour to two days. An open integer lets a small model run on into digits.
const HOURS = [1, 2, 3, 4, 6, 8, 12, 16];
const PRIORITIES = [1, 2, 3, 4, 5];
const MAX_DEPENDENCIES = 3;
// A small model may break a rule once; told which, it usually keeps it the second time.
const ATTEMPTS = 2;
const taskOutput = z.object({
  key: z.string(),
  role: z.enum(ROLES),
  title: z.string(),
  description: z.string(),
  estimated_hours: z.number(),
  priority: z.number(),
  depends_on: z.array(z.string()),
});
const derivationOutput = z.object({ tasks: z.array(taskOutput) });
// An answer cut off by its budget keeps the tasks it finished: the last one, half written, is dropped.
const cutOffOutput = z.object({ tasks: z.array(z.unknown()) }).transform(({ tasks }) => ({
  tasks: tasks.slice(0, -1).concat(tasks.slice(-1).filter((t) => taskOutput.safeParse(t).success)),
}));

/**
 * Task derivation: an approved plan plus its story's context become atomic tasks per role, with the
 * dependencies between them, proposed by the model under a JSON schema and checked before anything is
 * stored. Deriving a plan again answers with the tasks it has.
 */
export class TaskDerivation implements TaskDerivationService {
  constructor(private readonly deps: TaskDerivationDeps) {}

  /** NOT_FOUND naming plan_id for a plan never approved here. */
  async planContext(planId: string): Promise<{ readonly plan: ApprovedPlan; readonly story: Story }> {
    const plan = await this.deps.store.plan(planId);
    if (plan === undefined) throw notFound('plan', planId, 'plan_id');
    return { plan, story: await this.deps.planning.story(plan.storyId) };
  }

  async derive(command: DeriveCommand): Promise<Derivation> {
    const { plan, story } = await this.planContext(command.planId);
    if (command.storyId !== undefined) checkStory(plan, command.storyId, 'case_id');
    const existing = await this.planTasks(plan);
    if (existing.length > 0) return { plan, tasks: existing, dependencies: await this.dependenciesAmong(plan.storyId, existing) };

    const roles = command.roles !== undefined && command.roles.length > 0 ? command.roles : plan.roles;
    const derived = await this.ask(story, roles, command.maxTasksPerRole ?? DERIVATION_LIMITS.defaultTasksPerRole, command.signal);
    const byKey = new Map<string, PlanTask>();
    for (const t of derived) byKey.set(t.key, await this.deps.planning.createTask(newTask(plan, t)));
    const dependencies = derived.flatMap((t) =>
      t.dependsOn.map((d) => ({ from: byKey.get(t.key)!.id, to: byKey.get(d)!.id, reason: `${t.title} needs ${byKey.get(d)!.title}` })),
    );
    const tasks = [...byKey.values()];
    await this.record(plan, dependencies);
    await this.deps.events.publish(
      'planning.tasks.derived',
      flatEvent(
        'planning.tasks.derived',
        { story_id: plan.storyId, plan_id: plan.id, task_ids: tasks.map((t) => t.id), dependencies: dependencies.map(toWire) },
        this.deps.clock.now(),
      ),
      plan.id,
    );
    return { plan, tasks, dependencies };
  }

  /** Tasks created for a plan elsewhere (the cluster's derivation service), each its plan's and story's. */
  async createTasks(commands: readonly NewTask[]): Promise<readonly PlanTask[]> {
    for (const [i, c] of commands.entries()) {
      if (c.planId === undefined) continue;
      checkStory((await this.planContext(c.planId)).plan, c.storyId, `commands[${i}].story_id`);
    }
    const created: PlanTask[] = [];
    for (const c of commands) created.push(await this.deps.planning.createTask(c));
    return created;
  }

  /** NOT_FOUND naming story_id for an unknown story. */
  async storyTasks(storyId: string): Promise<readonly PlanTask[]> {
    await this.deps.planning.story(storyId);
    return (await this.deps.planning.tasks({ storyId, limit: PLANNING_LIMITS.pageMax, offset: 0 })).items;
  }

  /**
   * Adds dependencies between the story's tasks: each end must be one of them, and with those already
   * stored they must leave an order to work in (a cycle is refused, named).
   */
  async saveDependencies(planId: string, storyId: string, edges: readonly TaskDependency[]): Promise<void> {
    const { plan } = await this.planContext(planId);
    checkStory(plan, storyId, 'story_id');
    const ids = new Set((await this.storyTasks(storyId)).map((t) => t.id));
    edges.forEach((e, i) => {
      for (const [end, field] of [
        [e.from, 'from_task_id'],
        [e.to, 'to_task_id'],
      ] as const) {
        if (!ids.has(end))
          throw new FleetError('NOT_FOUND', `task ${end} is not a task of story ${storyId}`, { field: `edges[${i}].${field}` });
      }
    });
    checkAcyclic([...(await this.deps.store.dependencies(storyId)), ...edges], 'edges');
    await this.record(plan, edges);
  }

  private async record(plan: ApprovedPlan, edges: readonly TaskDependency[]): Promise<void> {
    const now = this.deps.clock.now();
    await this.deps.store.saveDependencies(plan.storyId, edges, now);
    if (this.deps.projector !== undefined && edges.length > 0) {
      await this.deps.projector.dependencies(edges);
      await this.deps.planning.contextUpdated(plan.storyId, now);
    }
  }

  private async planTasks(plan: ApprovedPlan): Promise<readonly PlanTask[]> {
    // Oldest first: the order they were derived in.
    return (await this.storyTasks(plan.storyId)).filter((t) => t.planId === plan.id).reverse();
  }

  private async dependenciesAmong(storyId: string, tasks: readonly PlanTask[]): Promise<readonly TaskDependency[]> {
    const ids = new Set(tasks.map((t) => t.id));
    return (await this.deps.store.dependencies(storyId)).filter((d) => ids.has(d.from) && ids.has(d.to));
  }

  private async ask(story: Story, roles: readonly Role[], maxPerRole: number, signal?: AbortSignal): Promise<readonly DerivedTask[]> {
    const context = await this.deps.storyContext?.(story.id, PLANNER);
    const prompt = [
      `Cut this story into tasks for the roles ${roles.join(', ')}, taking turns: at most ${maxPerRole} per role, at least one for each.`,
      'Give each task a key (T1, T2, ...), its role, a short title, a description, estimated_hours and a priority (1 is the highest).',
      'depends_on lists the keys of the tasks it waits for (never its own, never in a circle); leave it empty when it waits for none.',
      `Story ${story.id}: ${story.title}`,
      story.brief,
      ...(context === undefined || context.text === '' ? [] : ['What is known about the story:', context.text]),
    ].join('\n');
    let problem: string | undefined;
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      const result = await this.deps.model.generate({
        system: SYSTEM,
        prompt: problem === undefined ? prompt : `${prompt}\nYour previous answer was refused: ${problem}. Answer again and avoid that.`,
        jsonSchema: derivationSchema(roles, maxPerRole),
        maxTokens: TOKENS_PER_TASK * roles.length * maxPerRole,
        temperature: attempt === 1 ? 0 : 0.7,
        ...(signal === undefined ? {} : { signal }),
      });
      try {
        const out = parseModelOutput(
          derivationOutput,
          result.finishReason === 'length' ? JSON.stringify(parseModelOutput(cutOffOutput, result.text, 'DeriveSubtasks')) : result.text,
          'DeriveSubtasks',
        );
        return checkDerivedTasks(
          out.tasks.map((t) => ({
            key: t.key,
            role: t.role,
            title: t.title.trim(),
            description: t.description.trim(),
            estimatedHours: t.estimated_hours,
            priority: t.priority,
            dependsOn: t.depends_on,
          })),
          roles,
          maxPerRole,
        );
      } catch (e) {
        if (!(e instanceof FleetError)) throw e;
        problem = e.message;
      }
    }
    throw new FleetError('INTERNAL', `DeriveSubtasks: the model's tasks were refused twice, last: ${problem ?? ''}`);
  }
}

// Keys, lengths and numbers fixed in the schema, the roles taking turns (so each gets one task and none
// more than its share), and each task allowed to wait only for tasks before it: under a grammar even a
// small model then answers with keys it can refer to, within the limits and with no cycle. The answer is
// checked all the same (a remote model may not keep to the schema).
function derivationSchema(roles: readonly Role[], maxPerRole: number): JsonSchema {
  const keys = Array.from({ length: roles.length * maxPerRole }, (_, i) => `T${i + 1}`);
  const task = (key: string, role: Role, earlier: readonly string[]): JsonSchema => ({
    type: 'object',
    properties: {
      key: { const: key },
      role: { const: role },
      title: { type: 'string', minLength: 1, maxLength: TITLE_CHARS },
      description: { type: 'string', maxLength: DESCRIPTION_CHARS },
      estimated_hours: { enum: HOURS },
      priority: { enum: PRIORITIES },
      depends_on:
        earlier.length === 0
          ? { type: 'array', items: { type: 'string' }, maxItems: 0 }
          : { type: 'array', items: { enum: earlier }, maxItems: Math.min(MAX_DEPENDENCIES, earlier.length) },
    },
    required: ['key', 'role', 'title', 'description', 'estimated_hours', 'priority', 'depends_on'],
  });
  return {
    type: 'object',
    properties: {
      tasks: {
        type: 'array',
        prefixItems: keys.map((k, i) => task(k, roles[i % roles.length]!, keys.slice(0, i))),
        minItems: roles.length,
        maxItems: keys.length,
      },
    },
    required: ['tasks'],
  };
}

function checkStory(plan: ApprovedPlan, storyId: string, field: string): void {
  if (plan.storyId !== storyId)
    throw new FleetError('FAILED_PRECONDITION', `plan ${plan.id} plans story ${plan.storyId}, not ${storyId}`, { field });
}

// The request id makes a derivation that failed half-way create each task once when it runs again.
const newTask = (plan: ApprovedPlan, t: DerivedTask): NewTask => ({
  storyId: plan.storyId,
  planId: plan.id,
  title: t.title,
  description: t.description,
  type: t.role,
  assignedTo: t.role,
  estimatedHours: t.estimatedHours,
  priority: t.priority,
  requestId: `${plan.id}:${t.key}`,
});

const toWire = (d: TaskDependency): Record<string, string> => ({ from_task_id: d.from, to_task_id: d.to, reason: d.reason });
