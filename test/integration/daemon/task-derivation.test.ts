import { rmSync } from 'node:fs';
import { status } from '@grpc/grpc-js';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClusterClient, connectClusterClient } from '../../support/cluster-client.js';
import { type Json, READY_BRIEF, storedEvents, until } from '../../support/daemon-planning.js';
import { daemonNatsEndpoint, type DaemonProcess, startDaemon, tempDataDir } from '../../support/fleet-process.js';

// Task derivation through the cluster's own API against the real daemon (the tiny model under a JSON
// schema, SQLite, Kuzu, the daemon's nats-server): an approved plan becomes stored tasks with their
// dependencies, the same tasks however often it is derived, announced on NATS; a cycle is refused
// naming it.

let dataDir: string;
let daemon: DaemonProcess;
let planning: ClusterClient;
let derivation: ClusterClient;
let orchestrator: ClusterClient;
let context: ClusterClient;
let nc: NatsConnection;
let storyId: string;
const PLAN = 'refunds-v1';

beforeAll(async () => {
  dataDir = tempDataDir();
  daemon = await startDaemon(dataDir);
  const target = `127.0.0.1:${daemon.port}`;
  planning = connectClusterClient(target, { package: 'fleet.planning.v2', service: 'PlanningService' });
  derivation = connectClusterClient(target, { package: 'fleet.task_derivation.v1', service: 'TaskDerivationPlanningService' });
  orchestrator = connectClusterClient(target);
  context = connectClusterClient(target, { package: 'fleet.context.v1', service: 'ContextService' });
  const endpoint = daemonNatsEndpoint(dataDir);
  nc = await connect({ servers: endpoint.url, token: endpoint.token });

  const project = (await planning.unary('CreateProject', { name: 'Payments', owner: 'po' })) as { project: Json };
  const epic = (await planning.unary('CreateEpic', { project_id: project.project.project_id, title: 'Refunds' })) as { epic: Json };
  const story = (await planning.unary('CreateStory', {
    epic_id: epic.epic.epic_id,
    title: 'Refund a card payment',
    brief: READY_BRIEF,
    created_by: 'po',
  })) as { story: Json };
  storyId = story.story.story_id as string;
  await planning.unary('ApproveDecision', { story_id: storyId, decision_id: PLAN, approved_by: 'po', roles: ['DEV', 'QA'] });
});

afterAll(async () => {
  for (const client of [planning, derivation, orchestrator, context]) client?.close();
  await nc?.close();
  await daemon?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('task derivation through the cluster API', () => {
  let derived: Json[];

  it('reads the approved plan as the derivation prompt needs it', async () => {
    const { plan_context: plan } = (await derivation.unary('GetPlanContext', { plan_id: PLAN })) as { plan_context: Json };
    expect(plan).toMatchObject({ plan_id: PLAN, story_id: storyId, title: 'Refund a card payment', roles: ['DEV', 'QA'] });
    expect(plan.acceptance_criteria).toHaveLength(2);
    await expect(derivation.unary('GetPlanContext', { plan_id: 'plan-nope' })).rejects.toMatchObject({
      code: status.NOT_FOUND,
      details: expect.stringContaining('plan-nope'),
    });
  });

  it('derives tasks per role with dependencies through the model, stores them, and derives the same ones again', async () => {
    const answer = (await orchestrator.unary(
      'DeriveSubtasks',
      { case_id: storyId, plan_id: PLAN, strategy: { max_tasks_per_role: 2 } },
      { deadline: Date.now() + 300_000 },
    )) as { tasks: Json[]; total_tasks: number; derivation_id: string };
    derived = answer.tasks;
    expect(derived.length).toBeGreaterThanOrEqual(1);
    expect(answer.total_tasks).toBe(derived.length);
    const ids = derived.map((t) => t.task_id as string);
    for (const t of derived) {
      expect(t).toMatchObject({ case_id: storyId, plan_id: PLAN });
      expect(['DEV', 'QA']).toContain(t.role);
      expect(t.priority as number).toBeGreaterThanOrEqual(1);
      for (const d of (t.dependencies as string[] | undefined) ?? []) expect(ids).toContain(d);
    }
    const listed = (await derivation.unary('ListStoryTasks', { story_id: storyId })) as { tasks: Json[] };
    expect(listed.tasks.map((t) => t.task_id)).toEqual(expect.arrayContaining(ids));
    const tasks = (await planning.unary('ListTasks', { story_id: storyId })) as { tasks: Json[] };
    expect(tasks.tasks.filter((t) => t.plan_id === PLAN).map((t) => t.task_id)).toEqual(expect.arrayContaining(ids));

    const again = (await orchestrator.unary('ProcessPlanningEvent', {
      event_type: 'planning.plan.approved',
      case_id: storyId,
      plan_id: PLAN,
    })) as { processed: boolean; derived_task_ids: string[] };
    expect(again).toMatchObject({ processed: true, derived_task_ids: ids });
    const other = await orchestrator.unary('ProcessPlanningEvent', {
      event_type: 'planning.story.transitioned',
      case_id: storyId,
    });
    expect(other).toMatchObject({ message: expect.stringContaining('planning.plan.approved only') });
    expect(other.processed ?? false).toBe(false);
  });

  it('refuses an unknown plan, an unknown role and another story naming them', async () => {
    await expect(orchestrator.unary('DeriveSubtasks', { plan_id: 'plan-nope' })).rejects.toMatchObject({
      code: status.NOT_FOUND,
      details: expect.stringContaining('plan-nope'),
    });
    await expect(orchestrator.unary('DeriveSubtasks', { plan_id: PLAN, roles: ['CHEF'] })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringContaining('roles[0]'),
    });
    await expect(orchestrator.unary('DeriveSubtasks', { plan_id: PLAN, case_id: 'story-other' })).rejects.toMatchObject({
      code: status.FAILED_PRECONDITION,
      details: expect.stringContaining('story-other'),
    });
  });

  it('stores tasks and dependencies a cluster derivation sends, and refuses a cycle naming it', async () => {
    const command = { plan_id: PLAN, story_id: storyId, description: '', estimated_hours: 2, priority: 1 };
    await expect(
      derivation.unary('CreateTasks', { commands: [{ ...command, title: 'Schema', assigned_role: 'CHEF' }] }),
    ).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringContaining('commands[0].assigned_role') });
    const created = (await derivation.unary('CreateTasks', {
      commands: [
        { ...command, title: 'Refund schema', assigned_role: 'DATA' },
        { ...command, title: 'Refund endpoint', assigned_role: 'DEV' },
      ],
    })) as { task_ids: string[] };
    const [schema, endpoint] = created.task_ids as [string, string];
    const sentAgain = (await derivation.unary('CreateTasks', {
      commands: [{ ...command, title: 'Refund schema', assigned_role: 'DATA' }],
    })) as {
      task_ids: string[];
    };
    expect(sentAgain.task_ids).toEqual([schema]);

    const save = (from: string, to: string) =>
      derivation.unary('SaveTaskDependencies', {
        plan_id: PLAN,
        story_id: storyId,
        edges: [{ from_task_id: from, to_task_id: to, reason: 'the endpoint writes the schema' }],
      });
    expect(await save(endpoint, schema)).toMatchObject({ success: true });
    await expect(save(schema, endpoint)).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      // Named from the stored edge on: the order the edges were saved in.
      details: expect.stringContaining(`${endpoint} → ${schema} → ${endpoint}`),
    });
    await expect(save(endpoint, 'task-nope')).rejects.toMatchObject({
      code: status.NOT_FOUND,
      details: expect.stringContaining('task-nope'),
    });

    const around = (await context.unary('GetGraphRelationships', { node_id: endpoint, node_type: 'Task', depth: 1 })) as {
      relationships: Json[];
    };
    expect(around.relationships).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'DEPENDS_ON' })]));
  });

  it('announces the derived tasks on NATS, flat', async () => {
    const event = await until(async () => {
      const events = await storedEvents(nc);
      return events.find((e) => e.subject === 'planning.tasks.derived')?.fields;
    }, 'planning.tasks.derived');
    expect(event).toMatchObject({
      event_type: 'planning.tasks.derived',
      story_id: storyId,
      plan_id: PLAN,
      task_ids: derived.map((t) => t.task_id),
    });
    expect(Array.isArray(event.dependencies)).toBe(true);
    expect(typeof event.timestamp).toBe('number');
  });
});
