import { setTimeout as sleep } from 'node:timers/promises';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeEnvelope } from '../../../core/adapters/nats/event-envelope.js';
import {
  type FeedEvent,
  type InvalidFeedMessage,
  type MonitoringFeed,
  openMonitoringFeed,
} from '../../../core/adapters/nats/monitoring-feed.js';
import { NatsEventBus } from '../../../core/adapters/nats/nats-event-bus.js';
import { FleetError } from '../../../core/domain/errors.js';
import type { DeliberationEvent } from '../../../core/domain/events.js';
import { deliberation, rankedResults } from './deliberations.js';
import { useNatsServer } from './nats-fixture.js';

const nats = useNatsServer();
const feeds: MonitoringFeed[] = [];
afterEach(async () => {
  await Promise.all(feeds.splice(0).map((f) => f.close()));
});

async function open(nc: NatsConnection, options: { since?: Date; onInvalid?: (m: InvalidFeedMessage) => void } = {}) {
  const feed = await openMonitoringFeed({ nc, ...options });
  feeds.push(feed);
  const iterator = feed[Symbol.asyncIterator]();
  /** The next n events, failing if they do not come in time. */
  return async (n: number, timeoutMs = 5_000): Promise<FeedEvent[]> => {
    const out: FeedEvent[] = [];
    const deadline = sleep(timeoutMs).then(() => 'timeout' as const);
    while (out.length < n) {
      const next = await Promise.race([iterator.next(), deadline]);
      if (next === 'timeout') throw new Error(`got ${out.length} of ${n} events: ${out.map((e) => e.subject).join(', ')}`);
      if (next.done === true) break;
      out.push(next.value);
    }
    return out;
  };
}

/** What one deliberation announces, start to finish. */
function lifecycle(taskId: string, t0: number): DeliberationEvent[] {
  return [
    { type: 'status', taskId, atMs: t0, status: 'IN_PROGRESS' },
    { type: 'phase', taskId, atMs: t0 + 1, phase: 'propose' },
    { type: 'agent', taskId, atMs: t0 + 2, agentId: 'dev-1', phase: 'propose', state: 'started' },
    { type: 'agent', taskId, atMs: t0 + 3, agentId: 'dev-1', phase: 'propose', state: 'done', tokens: 120 },
    { type: 'agent-failed', taskId, atMs: t0 + 4, agentId: 'dev-2', phase: 'propose', code: 'DEADLINE_EXCEEDED', message: 'too slow' },
    {
      type: 'finished',
      taskId,
      atMs: t0 + 5,
      deliberation: deliberation(taskId, 'COMPLETED', { results: rankedResults(), winnerId: 'dev-1' }),
    },
  ];
}
const LIFECYCLE_SUBJECTS = [
  'orchestration.deliberation.started',
  'orchestration.deliberation.progress',
  'orchestration.deliberation.progress',
  'agent.response.completed',
  'agent.response.failed',
  'orchestration.deliberation.completed',
];

const raw = (type: string, payload: Record<string, unknown>, id: string) =>
  encodeEnvelope({ event_id: id, type, version: 1, occurred_at: new Date().toISOString(), correlation_id: 'c', payload });

describe('NATS event bus and monitoring feed', () => {
  it('publishes a deliberation as orchestration and agent events, and the feed follows every stream at once, in either form', async () => {
    const nc = await nats().connect();
    const next = await open(nc);
    const bus = new NatsEventBus(nc);
    const js = jetstream(nc);
    // The last stream the feed opens gets the first event: every stream's reader is live, not just the first.
    await js.publish('agent.request.DEV', raw('agent.request.DEV', { turn: 'propose' }, 'r1'));
    await js.publish('context.updated', new TextEncoder().encode(JSON.stringify({ story_id: 's', version: 2 })));
    for (const event of lifecycle('task-1', Date.UTC(2025, 0, 1))) await bus.publish(event);
    await js.publish(
      'planning.plan.approved',
      raw('planning.plan.approved', { plan_id: 'p', story_id: 's', approved_by: 'a', roles: ['DEV'] }, 'p1'),
    );

    const events = await next(9);
    const formOf = (stream: string) => [...new Set(events.filter((e) => e.stream === stream).map((e) => e.event.form))];
    expect(formOf('AGENT_REQUESTS')).toEqual(['envelope']);
    expect(formOf('PLANNING_EVENTS')).toEqual(['envelope']);
    expect(formOf('CONTEXT')).toEqual(['flat']);
    expect(formOf('ORCHESTRATOR_EVENTS')).toEqual(['flat']);
    expect(formOf('AGENT_RESPONSES')).toEqual(['flat']);
    expect(events.find((e) => e.stream === 'CONTEXT')!.event).toEqual({
      form: 'flat',
      type: 'context.updated',
      eventId: 'context.updated:s:2',
      correlationId: 's',
      fields: { story_id: 's', version: 2 },
    });

    const deliberationEvents = events.filter((e) => e.event.correlationId === 'task-1');
    // One stream's events keep their order; the two streams a deliberation writes to interleave.
    expect(deliberationEvents.filter((e) => e.stream === 'ORCHESTRATOR_EVENTS').map((e) => e.subject)).toEqual(
      LIFECYCLE_SUBJECTS.filter((s) => s.startsWith('orchestration.')),
    );
    expect(deliberationEvents.map((e) => e.subject).sort()).toEqual([...LIFECYCLE_SUBJECTS].sort());
    const completed = deliberationEvents.find((e) => e.subject === 'orchestration.deliberation.completed')!;
    expect(completed.event).toMatchObject({
      eventId: 'task-1.finished',
      type: 'orchestration.deliberation.completed',
      occurredAtMs: Date.UTC(2025, 0, 1) + 5,
      fields: {
        task_id: 'task-1',
        story_id: '',
        role: 'DEV',
        council_id: 'council-dev',
        status: 'COMPLETED',
        winner_id: 'dev-1',
        failures: 0,
        duration_ms: 2_000,
      },
    });
    expect((completed.event.fields.decisions as unknown[]).length).toBe(2);
    expect(deliberationEvents.find((e) => e.subject === 'agent.response.failed')!.event.fields).toEqual({
      task_id: 'task-1',
      agent_id: 'dev-2',
      phase: 'propose',
      code: 'DEADLINE_EXCEEDED',
      message: 'too slow',
    });
  });

  it("stores the completed event as a flat object a consumer reading only the cluster's fields understands", async () => {
    const nc = await nats().connect();
    const bus = new NatsEventBus(nc);
    const t0 = Date.UTC(2025, 0, 1);
    const d = deliberation('plan-p1-DEV', 'COMPLETED', { results: rankedResults(), winnerId: 'dev-1' });
    await bus.publish({ type: 'finished', taskId: d.taskId, atMs: t0, deliberation: { ...d, task: { ...d.task, storyId: 'story-1' } } });

    // As the cluster's context service reads it: the stored bytes, JSON, top-level fields, no envelope.
    const stored = await (
      await jetstreamManager(nc)
    ).streams.getMessage('ORCHESTRATOR_EVENTS', { last_by_subj: 'orchestration.deliberation.completed' });
    const event = JSON.parse(new TextDecoder().decode(stored!.data)) as {
      event_type: string;
      story_id: string;
      task_id: string;
      timestamp: number;
      decisions: Array<{ proposal: { author: { agent_id: string } }; checks: { policy: { passed: boolean } } }>;
    };
    expect(event.event_type).toBe('orchestration.deliberation.completed');
    expect(event.story_id).toBe('story-1');
    expect(event.task_id).toBe('plan-p1-DEV');
    expect(event.timestamp).toBe(t0 / 1000);
    expect(event.decisions[0]!.proposal.author.agent_id).toBe('dev-1');
    expect(event.decisions.map((x) => x.checks.policy.passed)).toEqual([true, false]);
    expect(stored!.header?.get('Nats-Msg-Id')).toBe('plan-p1-DEV.finished');
  });

  it('stores a re-published event once, durable or not', async () => {
    const nc = await nats().connect();
    const bus = new NatsEventBus(nc);
    const events = lifecycle('task-2', Date.UTC(2025, 0, 1));
    for (const event of [...events, ...events]) await bus.publish(event);
    await nc.flush();
    const jsm = await jetstreamManager(nc);
    expect((await jsm.streams.info('ORCHESTRATOR_EVENTS')).state.messages).toBe(4);
    expect((await jsm.streams.info('AGENT_RESPONSES')).state.messages).toBe(2);
  });

  it('says a durable event could not be stored, and lets a progress event go', async () => {
    const nc = await nats().connect();
    const dropped: DeliberationEvent[] = [];
    const bus = new NatsEventBus(nc, { onDropped: (e) => dropped.push(e) });
    await nc.close();
    const [started, phase] = lifecycle('task-3', 1);
    const error = await bus.publish(started!).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FleetError);
    expect((error as FleetError).code).toBe('UNAVAILABLE');
    expect((error as FleetError).message).toMatch(/could not publish orchestration\.deliberation\.started \(task-3\.started\)/);
    await expect(bus.publish(phase!)).resolves.toBeUndefined();
    expect(dropped).toEqual([phase]);
  });

  it('replays from a point in time, then follows', async () => {
    const nc = await nats().connect();
    const bus = new NatsEventBus(nc);
    for (const event of lifecycle('before', Date.UTC(2025, 0, 1))) await bus.publish(event);
    await nc.flush();
    await sleep(50);
    const since = new Date();
    await sleep(50);
    for (const event of lifecycle('after', Date.UTC(2025, 0, 2))) await bus.publish(event);
    await nc.flush();

    const next = await open(nc, { since });
    const replayed = await next(6);
    expect(replayed.every((e) => e.event.correlationId === 'after')).toBe(true);
    expect(replayed.every((e) => e.storedAt >= since)).toBe(true);

    for (const event of lifecycle('live', Date.UTC(2025, 0, 3))) await bus.publish(event);
    const live = await next(6);
    expect(live.every((e) => e.event.correlationId === 'live')).toBe(true);
  });

  it('skips and reports what is not a valid event, and keeps going', async () => {
    const nc = await nats().connect();
    const invalid: InvalidFeedMessage[] = [];
    const next = await open(nc, { onInvalid: (m) => invalid.push(m) });
    const js = jetstream(nc);
    await js.publish('orchestration.deliberation.started', new TextEncoder().encode('{"oops": true}'));
    const bus = new NatsEventBus(nc);
    await bus.publish(lifecycle('task-4', 1)[0]!);
    const [event] = await next(1);
    expect(event!.event.eventId).toBe('task-4.started');
    expect(invalid).toHaveLength(1);
    expect(invalid[0]).toMatchObject({ stream: 'ORCHESTRATOR_EVENTS', subject: 'orchestration.deliberation.started', seq: 1 });
    expect(invalid[0]!.reason).toMatch(/^task_id: expected a string, got nothing \(missing\)/);
  });
});
