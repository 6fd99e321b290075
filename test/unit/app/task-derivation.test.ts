import { describe, expect, it } from 'vitest';
import { TaskDerivation } from '../../../core/app/task-derivation.js';
import { FleetError } from '../../../core/domain/errors.js';
import type { PlanTask, Story } from '../../../core/domain/planning.js';
import type { ApprovedPlan, TaskDependency } from '../../../core/domain/task-derivation.js';
import type { NewTask } from '../../../core/ports/planning-service.js';
import { testClock } from '../../support/memory-stores.js';
import { scripted } from '../../support/scripted-model.js';

const story: Story = {
  id: 'story-1',
  epicId: 'epic-1',
  title: 'Refund a card payment',
  brief: 'As a clerk I want refunds so that customers are paid back.',
  state: 'READY_FOR_PLANNING',
  dorScore: 100,
  createdBy: 'po',
  createdAtMs: 1,
  updatedAtMs: 1,
};
const plan: ApprovedPlan = { id: 'plan-a', storyId: story.id, roles: ['DEV', 'QA'], approvedBy: 'po', createdAtMs: 1 };

/** Planning and its store as far as derivation uses them, in memory, with what was published. */
function world(...answers: Parameters<typeof scripted>) {
  const tasks: PlanTask[] = [];
  const dependencies: TaskDependency[] = [];
  const published: { type: string; fields: Readonly<Record<string, unknown>> }[] = [];
  const model = scripted(...answers);
  const derivation = new TaskDerivation({
    planning: {
      story: (id) => (id === story.id ? Promise.resolve(story) : Promise.reject(new FleetError('NOT_FOUND', `story not found: ${id}`))),
      createTask: (t: NewTask) => {
        const earlier = tasks.find((x) => x.requestId === t.requestId);
        if (earlier !== undefined) return Promise.resolve(earlier);
        const created = { ...t, id: `task-${tasks.length + 1}`, status: 'todo', createdAtMs: 1, updatedAtMs: 1 };
        tasks.unshift(created);
        return Promise.resolve(created);
      },
      tasks: (q) => Promise.resolve({ items: tasks.filter((t) => t.storyId === q.storyId), total: tasks.length }),
      contextUpdated: () => Promise.resolve(),
    },
    store: {
      plan: (id) => Promise.resolve(id === plan.id ? plan : undefined),
      saveDependencies: (_story, edges) => {
        dependencies.push(...edges);
        return Promise.resolve();
      },
      dependencies: () => Promise.resolve(dependencies),
    },
    model,
    events: {
      publish: (type, fields) => {
        published.push({ type, fields });
        return Promise.resolve();
      },
    },
    clock: testClock(),
    storyContext: () => Promise.resolve({ text: 'Decision: refunds go through the gateway' }),
  });
  return { derivation, model, tasks, published };
}

const answer = (tasks: Record<string, unknown>[]): string => JSON.stringify({ tasks });
const t = (key: string, role: string, dependsOn: string[] = []) => ({
  key,
  role,
  title: `${role} work ${key}`,
  description: 'details',
  estimated_hours: 3,
  priority: 1,
  depends_on: dependsOn,
});

describe('task derivation through the model', () => {
  it('turns the plan and the story’s context into stored tasks with dependencies, announced; a second run answers the same', async () => {
    const { derivation, model, published } = world(answer([t('T1', 'DEV'), t('T2', 'QA', ['T1'])]));
    const first = await derivation.derive({ planId: plan.id });
    expect(first.tasks.map((x) => [x.type, x.planId, x.requestId])).toEqual([
      ['DEV', 'plan-a', 'plan-a:T1'],
      ['QA', 'plan-a', 'plan-a:T2'],
    ]);
    const [dev, qa] = first.tasks;
    expect(first.dependencies).toEqual([{ from: qa!.id, to: dev!.id, reason: expect.any(String) }]);
    const request = model.asked[0]!;
    // The roles take turns in the schema, and a task may wait only for those before it.
    const slots = (request.jsonSchema as { properties: { tasks: { prefixItems: { properties: Record<string, unknown> }[] } } }).properties
      .tasks.prefixItems;
    expect(slots.map((slot) => slot.properties['role'])).toEqual([
      { const: 'DEV' },
      { const: 'QA' },
      { const: 'DEV' },
      { const: 'QA' },
      { const: 'DEV' },
      { const: 'QA' },
      { const: 'DEV' },
      { const: 'QA' },
    ]);
    expect(slots[2]?.properties['depends_on']).toMatchObject({ items: { enum: ['T1', 'T2'] } });
    expect(request.prompt).toContain('Refund a card payment');
    expect(request.prompt).toContain('refunds go through the gateway');
    expect(published).toEqual([
      {
        type: 'planning.tasks.derived',
        fields: expect.objectContaining({
          event_type: 'planning.tasks.derived',
          story_id: story.id,
          plan_id: plan.id,
          task_ids: [dev!.id, qa!.id],
          dependencies: [expect.objectContaining({ from_task_id: qa!.id, to_task_id: dev!.id })],
        }),
      },
    ]);

    const again = await derivation.derive({ planId: plan.id });
    expect(again.tasks.map((x) => x.id)).toEqual([dev!.id, qa!.id]);
    expect(again.dependencies).toEqual(first.dependencies);
    expect(model.asked).toHaveLength(1);
  });

  it('asks again once with the reason when the model breaks a rule, and gives up naming the field', async () => {
    const cyclic = answer([t('T1', 'DEV', ['T2']), t('T2', 'QA', ['T1'])]);
    const fixed = world(cyclic, answer([t('T1', 'DEV')]));
    expect((await fixed.derivation.derive({ planId: plan.id })).tasks).toHaveLength(1);
    expect(fixed.model.asked[1]?.prompt).toContain('T1 → T2 → T1');

    const stubborn = world(answer([t('T1', 'DATA')]));
    await expect(stubborn.derivation.derive({ planId: plan.id })).rejects.toMatchObject({
      code: 'INTERNAL',
      message: expect.stringContaining('tasks[0].role'),
    });
    expect(stubborn.tasks).toHaveLength(0);
  });

  it('keeps the tasks an answer cut off by its budget finished', async () => {
    const whole = answer([t('T1', 'DEV'), t('T2', 'QA', ['T1'])]);
    const cut = world({ text: whole.slice(0, whole.lastIndexOf('"priority"')), finishReason: 'length' });
    const { tasks } = await cut.derivation.derive({ planId: plan.id });
    expect(tasks.map((x) => x.title)).toEqual(['DEV work T1']);
  });

  it('refuses an unknown plan, another story’s plan, and dependencies that would close a cycle', async () => {
    const { derivation } = world(answer([t('T1', 'DEV'), t('T2', 'QA', ['T1'])]));
    await expect(derivation.derive({ planId: 'plan-nope' })).rejects.toMatchObject({ code: 'NOT_FOUND', field: 'plan_id' });
    await expect(derivation.derive({ planId: plan.id, storyId: 'story-2' })).rejects.toMatchObject({
      code: 'FAILED_PRECONDITION',
      field: 'case_id',
    });
    const [dev, qa] = (await derivation.derive({ planId: plan.id })).tasks;
    await expect(derivation.saveDependencies(plan.id, story.id, [{ from: dev!.id, to: qa!.id, reason: 'r' }])).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining(`${qa!.id} → ${dev!.id} → ${qa!.id}`),
    });
    await expect(derivation.saveDependencies(plan.id, story.id, [{ from: dev!.id, to: 'task-nope', reason: '' }])).rejects.toMatchObject({
      code: 'NOT_FOUND',
      field: 'edges[0].to_task_id',
    });
  });
});
