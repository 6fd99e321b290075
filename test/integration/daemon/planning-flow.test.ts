import { rmSync } from 'node:fs';
import { status } from '@grpc/grpc-js';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeliberationStatus } from '../../../proto/gen/fleet/orchestrator/v1/orchestrator.js';
import { type ClusterClient, connectClusterClient } from '../../support/cluster-client.js';
import { type Json, READY_BRIEF, SECRET, storedEvents as streamEvents, until } from '../../support/daemon-planning.js';
import { connectFleetClient, type FleetGrpcClient } from '../../support/grpc-client.js';
import { daemonNatsEndpoint, type DaemonProcess, startDaemon, tempDataDir } from '../../support/fleet-process.js';

// Planning through the cluster's own API (a client built from the contract JSON alone) against the real
// daemon: the hierarchy's invariants, the story's state machine with the Definition of Ready, the
// product owner's approval starting one deliberation per role on the story, a rejection deliberating
// again with the reason, and every change on NATS in the cluster's flat form.

let dataDir: string;
let daemon: DaemonProcess;
let planning: ClusterClient;
// Our client: the deliberation's detail (task, story and plan) is this daemon's addition to the answer.
let orchestrator: FleetGrpcClient;
let nc: NatsConnection;
const storedEvents = (stream?: string) => streamEvents(nc, stream);

const completed = async (taskId: string): Promise<{ description: string; storyId: string; planId: string; contextVersion: string }> =>
  until(async () => {
    const r = await orchestrator.getDeliberationResult({ taskId }).catch(() => undefined);
    return r !== undefined && r.status === DeliberationStatus.DELIBERATION_STATUS_COMPLETED ? r.detail?.task : undefined;
  }, `deliberation ${taskId} to complete`);

beforeAll(async () => {
  dataDir = tempDataDir();
  daemon = await startDaemon(dataDir);
  planning = connectClusterClient(`127.0.0.1:${daemon.port}`, { package: 'fleet.planning.v2', service: 'PlanningService' });
  orchestrator = connectFleetClient(`127.0.0.1:${daemon.port}`);
  const endpoint = daemonNatsEndpoint(dataDir);
  nc = await connect({ servers: endpoint.url, token: endpoint.token });
});

afterAll(async () => {
  planning?.close();
  orchestrator?.close();
  await nc?.close();
  await daemon?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('planning through the cluster API', () => {
  let epicId: string;
  let storyId: string;

  it('keeps the hierarchy: an epic needs its project, a story its epic', async () => {
    const project = (await planning.unary('CreateProject', { name: 'Payments', description: 'Cards', owner: 'po@example.com' })) as {
      project: Json;
    };
    expect(project.project).toMatchObject({ name: 'Payments', status: 'active', owner: 'po@example.com' });
    const projectId = project.project.project_id as string;
    await expect(planning.unary('CreateEpic', { project_id: 'project-nope', title: 'Refunds' })).rejects.toMatchObject({
      code: status.NOT_FOUND,
      details: expect.stringContaining('project-nope'),
    });
    const epic = (await planning.unary('CreateEpic', { project_id: projectId, title: 'Refunds', description: '' })) as { epic: Json };
    epicId = epic.epic.epic_id as string;
    await expect(planning.unary('CreateStory', { epic_id: 'epic-nope', title: 'x', brief: 'y' })).rejects.toMatchObject({
      code: status.NOT_FOUND,
    });
    await expect(planning.unary('DeleteProject', { project_id: projectId })).rejects.toMatchObject({
      code: status.FAILED_PRECONDITION,
      details: expect.stringContaining('1 epics'),
    });
    const listed = (await planning.unary('ListProjects', { limit: 10 })) as { projects: Json[]; total_count: number };
    expect(listed.total_count).toBe(1);
  });

  it('scores a story on the Definition of Ready and lets only a ready one go to review', async () => {
    const weak = (await planning.unary('CreateStory', {
      epic_id: epicId,
      title: 'Refunds',
      brief: 'Make refunds fast.',
      created_by: 'po',
    })) as {
      story: Json;
    };
    expect(weak.story).toMatchObject({ state: 'DRAFT' });
    expect(weak.story.dor_score as number).toBeLessThan(75);
    await expect(
      planning.unary('TransitionStory', { story_id: weak.story.story_id, target_state: 'PO_REVIEW', transitioned_by: 'po' }),
    ).rejects.toMatchObject({ code: status.FAILED_PRECONDITION, details: expect.stringMatching(/scores \d+ .* needs 75/) });

    const ready = (await planning.unary('CreateStory', {
      epic_id: epicId,
      title: 'Refund a card payment',
      brief: READY_BRIEF,
      created_by: 'po',
    })) as { story: Json };
    storyId = ready.story.story_id as string;
    expect(ready.story.dor_score).toBe(100);
    const moved = (await planning.unary('TransitionStory', { story_id: storyId, target_state: 'PO_REVIEW', transitioned_by: 'po' })) as {
      story: Json;
    };
    expect(moved.story).toMatchObject({ state: 'PO_REVIEW' });
    await expect(
      planning.unary('TransitionStory', { story_id: storyId, target_state: 'DONE', transitioned_by: 'po' }),
    ).rejects.toMatchObject({
      code: status.FAILED_PRECONDITION,
      details: expect.stringMatching(/is PO_REVIEW: it can move to READY_FOR_PLANNING, DRAFT, not DONE/),
    });
    await expect(planning.unary('TransitionStory', { story_id: storyId, target_state: 'SHIPPED' })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringContaining('target_state'),
    });
  });

  it('creates a task once per request id', async () => {
    const request = {
      story_id: storyId,
      title: 'Refund endpoint',
      type: 'DEV',
      estimated_hours: 3,
      priority: 1,
      request_id: 'req-refund-1',
    };
    const first = (await planning.unary('CreateTask', request)) as { task: Json };
    const again = (await planning.unary('CreateTask', request)) as { task: Json };
    expect(again.task.task_id).toBe(first.task.task_id);
    const tasks = (await planning.unary('ListTasks', { story_id: storyId })) as { tasks: Json[]; total_count: number };
    expect(tasks.total_count).toBe(1);
  });

  it('approving the plan starts one deliberation per role on the story; rejecting a decision deliberates again with the reason', async () => {
    await planning.unary('ApproveDecision', { story_id: storyId, decision_id: 'refunds-v1', approved_by: 'po@example.com' });
    // The story's one task is DEV work: that role deliberates, on the story's title and brief.
    const dev = await completed('plan-refunds-v1-DEV');
    expect(dev.description).toContain('Refund a card payment');
    expect(dev.description).toContain('Given a settled payment');
    expect(dev).toMatchObject({ storyId, planId: 'refunds-v1' });
    // It ran with the story's context, whose version it names.
    expect(dev.contextVersion).toMatch(/^[0-9a-f]{16}$/);

    await expect(
      planning.unary('RejectDecision', { story_id: storyId, decision_id: 'plan-refunds-v1-DEV', rejected_by: 'po', reason: '' }),
    ).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringContaining('reason') });
    await planning.unary('RejectDecision', {
      story_id: storyId,
      decision_id: 'plan-refunds-v1-DEV',
      rejected_by: 'po',
      reason: 'Refunds above 500 EUR need a second approver',
    });
    const again = await completed('plan-refunds-v1-DEV.r1');
    expect(again.description).toContain('Refunds above 500 EUR need a second approver');
  });

  it("writes the decisions into the graph: QA's context holds them, within its budget, with no secret; DEV's hides QA's", async () => {
    const context = connectClusterClient(`127.0.0.1:${daemon.port}`, { package: 'fleet.context.v1', service: 'ContextService' });
    try {
      // The re-deliberation's decision supersedes the rejected one, in the graph as in the prompt.
      const qa = await until(async () => {
        const r = await context.unary('GetContext', { story_id: storyId, role: 'QA', phase: 'BUILD' });
        return String(r.context).includes('decision-plan-refunds-v1-DEV.r1') ? r : undefined;
      }, 'the re-deliberation’s decision in QA’s context');
      expect(qa.context).toContain('Refund a card payment');
      expect(qa.context).toContain('(DEV, superseded)');
      expect(qa.context).not.toContain(SECRET);
      expect(qa.context).toContain('[REDACTED]');
      expect(qa.token_count as number).toBeGreaterThan(0);
      expect(qa.token_count as number).toBeLessThanOrEqual(4096);
      expect(qa.scopes).toContain('DECISIONS_ALL');
      const small = await context.unary('GetContext', { story_id: storyId, role: 'QA', phase: 'BUILD', token_budget: 60 });
      expect(small.token_count as number).toBeLessThanOrEqual(60);

      const around = (await context.unary('GetGraphRelationships', { node_id: storyId, node_type: 'Story', depth: 3 })) as {
        neighbors: Json[];
        relationships: Json[];
      };
      expect(around.neighbors.map((n) => n.type)).toEqual(
        expect.arrayContaining(['Epic', 'Project', 'Task', 'PlanVersion', 'Decision', 'Deliberation']),
      );
      expect(around.relationships.map((r) => r.type)).toEqual(expect.arrayContaining(['AFFECTS', 'DECIDED_IN', 'SUPERSEDES', 'HAS_PLAN']));

      await expect(context.unary('GetGraphRelationships', { node_id: storyId, node_type: 'Story', depth: 4 })).rejects.toMatchObject({
        code: status.INVALID_ARGUMENT,
        details: expect.stringContaining('depth'),
      });
      await expect(context.unary('GetContext', { story_id: storyId, role: 'CHEF', phase: 'BUILD' })).rejects.toMatchObject({
        code: status.INVALID_ARGUMENT,
        details: expect.stringContaining('role'),
      });
      await expect(context.unary('GetContext', { story_id: 'story-nope', role: 'QA', phase: 'BUILD' })).rejects.toMatchObject({
        code: status.NOT_FOUND,
      });
      const scope = await context.unary('ValidateScope', {
        role: 'DEV',
        phase: 'BUILD',
        provided_scopes: ['CASE_HEADER', 'DECISIONS_ALL'],
      });
      expect(scope).toMatchObject({ allowed: false, extra: ['DECISIONS_ALL'] });
    } finally {
      context.close();
    }
    const task = await orchestrator.getTaskContext({ taskId: 'plan-refunds-v1-DEV', storyId, role: 'DEV', phase: 'BUILD' });
    expect(task.contextText).toContain('Refund a card payment');
    expect(task.versionHash).toMatch(/^[0-9a-f]{16}$/);
  });

  it('gives a story the context service wrote (planned elsewhere) its context when Orchestrate names it by case_id; a story the graph lacks runs without', async () => {
    const context = connectClusterClient(`127.0.0.1:${daemon.port}`, { package: 'fleet.context.v1', service: 'ContextService' });
    try {
      await context.unary('CreateStory', { story_id: 'ctx-only', title: 'Export invoices as CSV', description: 'Monthly export' });
    } finally {
      context.close();
    }
    const run = { taskDescription: 'Export invoices', role: 'QA', options: { enablePeerReview: false, enableArchitectSelection: false } };
    await orchestrator.orchestrate({ ...run, taskId: 'ctx-known', caseId: 'ctx-only' });
    expect(await completed('ctx-known')).toMatchObject({ storyId: 'ctx-only', contextVersion: expect.stringMatching(/^[0-9a-f]{16}$/) });
    await orchestrator.orchestrate({ ...run, taskId: 'ctx-unknown', caseId: 'nowhere' });
    expect(await completed('ctx-unknown')).toMatchObject({ storyId: 'nowhere', contextVersion: '' });
  });

  it('announces every change on NATS, flat as the cluster does', async () => {
    const events = await storedEvents();
    const types = events.map((e) => e.subject);
    const updated = (await storedEvents('CONTEXT')).filter((e) => e.subject === 'context.updated');
    expect(updated.map((e) => e.fields.story_id)).toContain(storyId);
    expect(typeof updated[0]!.fields.version).toBe('number');
    for (const type of [
      'planning.project.created',
      'planning.epic.created',
      'planning.story.created',
      'planning.story.transitioned',
      'planning.task.created',
      'planning.plan.approved',
      'planning.decision.rejected',
    ]) {
      expect(types).toContain(type);
    }
    const moved = events.find((e) => e.subject === 'planning.story.transitioned')!.fields;
    expect(moved).toMatchObject({
      event_type: 'planning.story.transitioned',
      story_id: storyId,
      from_phase: 'DRAFT',
      to_phase: 'PO_REVIEW',
    });
    expect(typeof moved.timestamp).toBe('number');
    const approved = events.find((e) => e.subject === 'planning.plan.approved')!.fields;
    expect(approved).toMatchObject({ plan_id: 'refunds-v1', story_id: storyId, approved_by: 'po@example.com', roles: ['DEV'] });
  });
});
