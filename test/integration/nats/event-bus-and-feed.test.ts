import { setTimeout as sleep } from 'node:timers/promises';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeEnvelope } from '../../../core/adapters/nats/event-envelope.js';
import { type FeedEvent, type InvalidFeedMessage, type MonitoringFeed, openMonitoringFeed } from '../../../core/adapters/nats/monitoring-feed.js';
import { NatsEventBus } from '../../../core/adapters/nats/nats-event-bus.js';
import type { Deliberation } from '../../../core/domain/deliberation.js';
import { FleetError } from '../../../core/domain/errors.js';
import type { DeliberationEvent } from '../../../core/domain/events.js';
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

function deliberation(taskId: string, status: Deliberation['status']): Deliberation {
  return {
    taskId,
    councilId: 'council-dev',
    role: 'DEV',
    task: { id: taskId, description: 'd', role: 'DEV', constraints: { rubric: [], requirements: [], timeoutMs: 1, maxTokens: 1 } },
    agents: [],
    rounds: 1,
    model: 'tiny',
    status,
    results: [],
    winnerId: 'dev-1',
    failures: [],
    timings: [],
    createdAtMs: 1_000,
    finishedAtMs: 3_000,
    durationMs: 2_000,
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
    { type: 'finished', taskId, atMs: t0 + 5, deliberation: deliberation(taskId, 'COMPLETED') },
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
  it('publishes a deliberation as orchestration and agent events, and the feed follows every stream at once', async () => {
    const nc = await nats().connect();
    const next = await open(nc);
    const bus = new NatsEventBus(nc);
    const js = jetstream(nc);
    // The last stream the feed opens gets the first event: every stream's reader is live, not just the first.
    await js.publish('agent.request.DEV', raw('agent.request.DEV', { turn: 'propose' }, 'r1'));
    await js.publish('context.note', raw('context.note', { text: 'hi' }, 'c1'));
    for (const event of lifecycle('task-1', Date.UTC(2025, 0, 1))) await bus.publish(event);
    await js.publish('planning.plan.approved', raw('planning.plan.approved', { plan_id: 'p', story_id: 's', approved_by: 'a', roles: ['DEV'] }, 'p1'));

    const events = await next(9);
    expect(new Set(events.map((e) => e.stream))).toEqual(
      new Set(['AGENT_REQUESTS', 'CONTEXT', 'ORCHESTRATOR_EVENTS', 'AGENT_RESPONSES', 'PLANNING_EVENTS']),
    );
    const deliberationEvents = events.filter((e) => e.envelope.correlation_id === 'task-1');
    // One stream's events keep their order; the two streams a deliberation writes to interleave.
    expect(deliberationEvents.filter((e) => e.stream === 'ORCHESTRATOR_EVENTS').map((e) => e.subject)).toEqual(
      LIFECYCLE_SUBJECTS.filter((s) => s.startsWith('orchestration.')),
    );
    expect(deliberationEvents.map((e) => e.subject).sort()).toEqual([...LIFECYCLE_SUBJECTS].sort());
    const completed = deliberationEvents.find((e) => e.subject === 'orchestration.deliberation.completed')!;
    expect(completed.envelope).toMatchObject({
      event_id: 'task-1.finished',
      type: 'orchestration.deliberation.completed',
      version: 1,
      payload: { task_id: 'task-1', role: 'DEV', council_id: 'council-dev', status: 'COMPLETED', winner_id: 'dev-1', ranking: [], failures: 0, duration_ms: 2_000 },
    });
    expect(deliberationEvents.find((e) => e.subject === 'agent.response.failed')!.envelope.payload).toEqual({
      task_id: 'task-1',
      agent_id: 'dev-2',
      phase: 'propose',
      code: 'DEADLINE_EXCEEDED',
      message: 'too slow',
    });
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
    expect(replayed.every((e) => e.envelope.correlation_id === 'after')).toBe(true);
    expect(replayed.every((e) => e.storedAt >= since)).toBe(true);

    for (const event of lifecycle('live', Date.UTC(2025, 0, 3))) await bus.publish(event);
    const live = await next(6);
    expect(live.every((e) => e.envelope.correlation_id === 'live')).toBe(true);
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
    expect(event!.envelope.event_id).toBe('task-4.started');
    expect(invalid).toHaveLength(1);
    expect(invalid[0]).toMatchObject({ stream: 'ORCHESTRATOR_EVENTS', subject: 'orchestration.deliberation.started', seq: 1 });
    expect(invalid[0]!.reason).toMatch(/^event_id: expected a string, got nothing \(missing\)/);
  });
});
