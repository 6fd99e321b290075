import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterEach, describe, expect, it } from 'vitest';
import { listDeadLetters, republishDeadLetter } from '../../../core/adapters/nats/dead-letters.js';
import {
  DEFAULT_PLANNING_CONSUMER,
  type PlanningActivity,
  type PlanningConsumer,
  type PlanningConsumerOptions,
  startPlanningConsumer,
} from '../../../core/adapters/nats/planning-consumer.js';
import { FleetError } from '../../../core/domain/errors.js';
import type { DeliberateCommand } from '../../../core/ports/deliberation-service.js';
import { useNatsServer } from './nats-fixture.js';
import { waitFor } from './processes.js';

const SUBJECT = 'planning.plan.approved';
const nats = useNatsServer();
const consumers: PlanningConsumer[] = [];
afterEach(async () => {
  await Promise.all(consumers.splice(0).map((c) => c.stop()));
});

/** Stands in for DeliberationService.deliberate: one run per task id, a known task id gets the first run's result. */
function fakeService(run: (command: DeliberateCommand) => Promise<void> = async () => undefined) {
  const calls: DeliberateCommand[] = [];
  const runs = new Map<string, Promise<unknown>>();
  const deliberate = (command: DeliberateCommand): Promise<unknown> => {
    calls.push(command);
    const known = runs.get(command.taskId!);
    if (known !== undefined) return known;
    const started = run(command).then(() => ({ taskId: command.taskId, status: 'COMPLETED' }));
    runs.set(command.taskId!, started);
    // Like the service, a run refused before it started is not remembered.
    started.catch(() => runs.delete(command.taskId!));
    return started;
  };
  return { calls, runs, deliberate };
}

const envelope = (payload: Record<string, unknown>, eventId = 'evt-1'): string =>
  JSON.stringify({ event_id: eventId, type: SUBJECT, version: 1, occurred_at: new Date().toISOString(), correlation_id: 'c-1', payload });
/** The cluster's planning service publishes the plan's fields flat, stamped with a zone-less ISO time. */
const flat = (fields: Record<string, unknown>, timestamp: unknown = '2025-06-01T10:00:00.123456'): string =>
  JSON.stringify({ ...fields, timestamp });
const plan = (planId: string, roles: string[], extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  plan_id: planId,
  story_id: 'story-1',
  approved_by: 'alice',
  roles,
  ...extra,
});

async function publish(nc: NatsConnection, data: string | Uint8Array, msgID: string, subject = SUBJECT) {
  return jetstream(nc).publish(subject, typeof data === 'string' ? new TextEncoder().encode(data) : data, { msgID });
}

async function start(nc: NatsConnection, options: Partial<PlanningConsumerOptions> & Pick<PlanningConsumerOptions, 'deliberate'>) {
  const activity: PlanningActivity[] = [];
  const consumer = await startPlanningConsumer({ nc, ...options, onActivity: (a) => activity.push(a) });
  consumers.push(consumer);
  return activity;
}

async function consumerState(nc: NatsConnection) {
  const info = await (await jetstreamManager(nc)).consumers.info('PLANNING_EVENTS', DEFAULT_PLANNING_CONSUMER);
  return { pending: info.num_pending, ackPending: info.num_ack_pending, redelivered: info.num_redelivered };
}

describe('planning consumer', () => {
  it('starts one deliberation per role of an approved plan, with deterministic task ids, and acks it', async () => {
    const nc = await nats().connect();
    const service = fakeService();
    const activity = await start(nc, { deliberate: service.deliberate });
    await publish(nc, envelope(plan('p-1', ['DEV', 'QA'], { title: 'Rate limiter', description: 'Token bucket per API key' })), 'evt-1');

    await waitFor(() => activity.some((a) => a.type === 'handled'), 'the plan handled');
    const description = 'Rate limiter\n\nToken bucket per API key';
    expect(service.calls).toEqual(
      expect.arrayContaining([
        { taskId: 'plan-p-1-DEV', role: 'DEV', description, storyId: 'story-1', planId: 'p-1' },
        { taskId: 'plan-p-1-QA', role: 'QA', description, storyId: 'story-1', planId: 'p-1' },
      ]),
    );
    expect(service.calls).toHaveLength(2);
    expect(activity.find((a) => a.type === 'handled')).toMatchObject({
      form: 'envelope',
      eventId: 'evt-1',
      planId: 'p-1',
      storyId: 'story-1',
    });
    expect(await consumerState(nc)).toEqual({ pending: 0, ackPending: 0, redelivered: 0 });
  });

  it("takes the cluster's flat plan approval alike, and the same approval again starts nothing new", async () => {
    const nc = await nats().connect();
    const service = fakeService();
    const activity = await start(nc, { deliberate: service.deliberate });
    const approval = flat({ story_id: 'story-9', plan_id: 'p-f1', approved_by: 'po@example.com', roles: ['DEV', 'QA'] });
    await publish(nc, approval, 'flat-1');
    await waitFor(() => activity.some((a) => a.type === 'handled'), 'the flat plan handled');
    expect(service.calls).toEqual(
      expect.arrayContaining([
        { taskId: 'plan-p-f1-DEV', role: 'DEV', description: 'Plan p-f1 for story story-9', storyId: 'story-9', planId: 'p-f1' },
        { taskId: 'plan-p-f1-QA', role: 'QA', description: 'Plan p-f1 for story story-9', storyId: 'story-9', planId: 'p-f1' },
      ]),
    );
    expect(activity.find((a) => a.type === 'handled')).toEqual({
      type: 'handled',
      seq: 1,
      form: 'flat',
      eventId: 'planning.plan.approved:p-f1',
      planId: 'p-f1',
      storyId: 'story-9',
      taskIds: ['plan-p-f1-DEV', 'plan-p-f1-QA'],
    });

    // The planner sends it again (no message id of its own, so the stream keeps both).
    await publish(nc, approval, 'flat-1-again');
    await waitFor(() => activity.filter((a) => a.type === 'handled').length === 2, 'the repeat handled');
    expect([...service.runs.keys()].sort()).toEqual(['plan-p-f1-DEV', 'plan-p-f1-QA']);
    expect(activity.filter((a) => a.type === 'handled').map((a) => a.type === 'handled' && a.eventId)).toEqual([
      'planning.plan.approved:p-f1',
      'planning.plan.approved:p-f1',
    ]);
    expect(await consumerState(nc)).toEqual({ pending: 0, ackPending: 0, redelivered: 0 });
  });

  it('takes a flat plan stamped with or without a zone or in epoch seconds, and an envelope with or without a version', async () => {
    const nc = await nats().connect();
    const service = fakeService();
    const activity = await start(nc, { deliberate: service.deliberate });
    const fields = (planId: string) => ({ story_id: 's', plan_id: planId, approved_by: 'a', roles: ['DEV'] });
    await publish(nc, flat(fields('p-naive'), '2025-06-01T10:00:00'), 'naive');
    await publish(nc, flat(fields('p-zoned'), '2025-06-01T12:00:00+02:00'), 'zoned');
    await publish(nc, flat(fields('p-epoch'), 1748772000.5), 'epoch');
    const { version: _, ...unversioned } = JSON.parse(envelope(plan('p-unversioned', ['DEV']))) as Record<string, unknown>;
    await publish(nc, JSON.stringify(unversioned), 'unversioned');
    await publish(nc, envelope(plan('p-versioned', ['DEV'])), 'versioned');

    await waitFor(() => activity.filter((a) => a.type === 'handled').length === 5, 'all five handled');
    expect(service.calls.map((c) => c.taskId).sort()).toEqual([
      'plan-p-epoch-DEV',
      'plan-p-naive-DEV',
      'plan-p-unversioned-DEV',
      'plan-p-versioned-DEV',
      'plan-p-zoned-DEV',
    ]);
    expect(activity.filter((a) => a.type === 'dead-lettered')).toEqual([]);
  });

  it('acknowledges a plan naming no roles without a deliberation, and says so', async () => {
    const nc = await nats().connect();
    const service = fakeService();
    const activity = await start(nc, { deliberate: service.deliberate });
    await publish(nc, flat({ story_id: 's', plan_id: 'p-none', approved_by: 'a' }), 'no-roles');
    await publish(nc, flat({ story_id: 's', plan_id: 'p-empty', approved_by: 'a', roles: [] }), 'empty-roles');
    await waitFor(() => activity.filter((a) => a.type === 'ignored').length === 2, 'both ignored');
    expect(activity).toEqual([
      { type: 'ignored', seq: 1, subject: SUBJECT, reason: 'plan p-none names no roles to deliberate' },
      { type: 'ignored', seq: 2, subject: SUBJECT, reason: 'plan p-empty names no roles to deliberate' },
    ]);
    expect(service.calls).toEqual([]);
    expect(await consumerState(nc)).toEqual({ pending: 0, ackPending: 0, redelivered: 0 });
  });

  it("acknowledges a story's transition as nothing to do, and dead-letters a malformed one", async () => {
    const nc = await nats().connect();
    const service = fakeService();
    const activity = await start(nc, { deliberate: service.deliberate });
    const subject = 'planning.story.transitioned';
    await publish(nc, flat({ story_id: 's', from_phase: 'DESIGN', to_phase: 'BUILD' }), 'moved', subject);
    await publish(nc, flat({ story_id: 's', from_phase: 'DESIGN' }), 'moved-badly', subject);
    await waitFor(() => activity.length === 2, 'both transitions');
    expect(activity).toEqual([
      { type: 'ignored', seq: 1, subject, reason: 'planning.story.transitioned starts no deliberation' },
      { type: 'dead-lettered', seq: 2, subject, reason: 'to_phase: expected a string, got nothing (missing)' },
    ]);
    expect(service.calls).toEqual([]);
  });

  it('never starts a second deliberation for the same plan, however often the event comes', async () => {
    const nc = await nats().connect();
    const service = fakeService();
    const activity = await start(nc, { deliberate: service.deliberate });
    const event = envelope(plan('p-2', ['DEV', 'QA']), 'evt-2');

    const first = await publish(nc, event, 'evt-2');
    const retried = await publish(nc, event, 'evt-2'); // the planner retrying its publish
    expect(retried).toMatchObject({ duplicate: true, seq: first.seq });
    await waitFor(() => activity.filter((a) => a.type === 'handled').length === 1, 'the first delivery handled');

    await publish(nc, envelope(plan('p-2', ['QA', 'DEV']), 'evt-2-resent'), 'evt-2-resent'); // re-sent as a new event
    await waitFor(() => activity.filter((a) => a.type === 'handled').length === 2, 'the re-sent event handled');

    expect(service.calls.map((c) => c.taskId).sort()).toEqual(['plan-p-2-DEV', 'plan-p-2-DEV', 'plan-p-2-QA', 'plan-p-2-QA']);
    expect([...service.runs.keys()].sort()).toEqual(['plan-p-2-DEV', 'plan-p-2-QA']);
  });

  it('dead-letters malformed events with the reason and original bytes, and goes on serving', async () => {
    const nc = await nats().connect();
    const service = fakeService();
    const activity = await start(nc, { deliberate: service.deliberate });
    const huge = envelope(plan('p-huge', ['DEV'], { description: 'x'.repeat(300 * 1024) }));
    const bad: [string, string | Uint8Array, RegExp][] = [
      ['not-json', 'plan approved!', /^message: expected JSON, got invalid JSON/],
      [
        'no-plan-id',
        envelope(plan('p-3', ['DEV'], { plan_id: undefined })),
        /^payload\.plan_id: expected a string, got nothing \(missing\)$/,
      ],
      [
        'wrong-types',
        envelope({ ...plan('p-3', ['DEV']), roles: 'DEV', approved_by: 7 }),
        /payload\.approved_by: expected a string, got number 7; payload\.roles: expected an array/,
      ],
      ['huge', huge, /^message: expected at most 262144 bytes, got \d+ bytes$/],
      [
        'flat-no-plan-id',
        flat({ story_id: 's', approved_by: 'a', roles: ['DEV'] }),
        /^plan_id: expected a string, got nothing \(missing\)$/,
      ],
      ['flat-bad-time', flat(plan('p-3', ['DEV']), 'last tuesday'), /^timestamp: expected an ISO 8601 date-time .*, got "last tuesday"$/],
    ];
    for (const [id, data] of bad) await publish(nc, data, id);
    await publish(nc, envelope(plan('p-good', ['DATA'])), 'good');

    await waitFor(() => activity.some((a) => a.type === 'handled'), 'the good event after the bad ones');
    await waitFor(() => activity.filter((a) => a.type === 'dead-lettered').length === bad.length, 'every bad event dead-lettered');
    expect(service.calls.map((c) => c.taskId)).toEqual(['plan-p-good-DATA']);

    const letters = await listDeadLetters(nc);
    expect(letters).toHaveLength(bad.length);
    bad.forEach(([, data, reason], i) => {
      const letter = letters[i]!;
      expect(letter.subject).toBe(SUBJECT);
      expect(letter.reason).toMatch(reason);
      expect(letter).toMatchObject({
        stream: 'PLANNING_EVENTS',
        streamSeq: i + 1,
        consumer: DEFAULT_PLANNING_CONSUMER,
        deliveries: 1,
        truncated: false,
      });
      expect(Buffer.from(letter.data).equals(Buffer.from(data))).toBe(true);
    });
    expect(letters.map((l) => l.field)).toEqual(['message', 'payload.plan_id', 'payload.approved_by', 'message', 'plan_id', 'timestamp']);
    // Terminated, not left to be redelivered.
    expect(await consumerState(nc)).toEqual({ pending: 0, ackPending: 0, redelivered: 0 });
  });

  it('republishes a corrected dead letter to its subject, and refuses a correction that is still wrong', async () => {
    const nc = await nats().connect();
    const service = fakeService();
    const activity = await start(nc, { deliberate: service.deliberate });
    await publish(nc, envelope(plan('p-4', ['DEV'], { plan_id: undefined }), 'evt-4'), 'evt-4');
    await waitFor(() => activity.some((a) => a.type === 'dead-lettered'), 'the dead letter');
    const [letter] = await listDeadLetters(nc, { subject: SUBJECT });

    const stillWrong = await republishDeadLetter(nc, letter!.seq, envelope(plan('p-4', ['PM']), 'evt-4')).catch((e: unknown) => e);
    expect(stillWrong).toBeInstanceOf(FleetError);
    expect((stillWrong as FleetError).message).toMatch(/payload\.roles\[0\]: expected one of DEV/);

    // The corrected event keeps its event id, which the stream has already seen: the republish must not be deduplicated away.
    const result = await republishDeadLetter(nc, letter!.seq, envelope(plan('p-4', ['DEV']), 'evt-4'), { remove: true });
    expect(result).toMatchObject({ subject: SUBJECT, duplicate: false });
    await waitFor(() => activity.some((a) => a.type === 'handled'), 'the corrected event handled');
    expect(service.calls.map((c) => c.taskId)).toEqual(['plan-p-4-DEV']);
    expect(await listDeadLetters(nc)).toEqual([]);
  });

  it('republishes a flat correction of a flat dead letter, and refuses one still missing a field', async () => {
    const nc = await nats().connect();
    const service = fakeService();
    const activity = await start(nc, { deliberate: service.deliberate });
    const fields = { story_id: 's', plan_id: 'p-4f', approved_by: 'a', roles: ['QA'] };
    await publish(nc, flat({ ...fields, plan_id: undefined }), 'flat-4');
    await waitFor(() => activity.some((a) => a.type === 'dead-lettered'), 'the dead letter');
    const [letter] = await listDeadLetters(nc, { subject: SUBJECT });

    const stillWrong = await republishDeadLetter(nc, letter!.seq, JSON.stringify(fields)).catch((e: unknown) => e);
    expect((stillWrong as FleetError).message).toMatch(/^timestamp: expected .*, got nothing \(missing\)$/);
    await republishDeadLetter(nc, letter!.seq, flat(fields), { remove: true });
    await waitFor(() => activity.some((a) => a.type === 'handled'), 'the corrected event handled');
    expect(service.calls.map((c) => c.taskId)).toEqual(['plan-p-4f-QA']);
  });

  it('retries a deliberation that failed transiently, and dead-letters one the service refuses', async () => {
    const nc = await nats().connect();
    let refusals = 1;
    const service = fakeService(async (command) => {
      if (command.role === 'QA' && refusals-- > 0) throw new FleetError('UNAVAILABLE', 'the service is not serving');
      if (command.role === 'DATA')
        throw new FleetError('INVALID_ARGUMENT', 'description: expected at most 20000 characters', { field: 'description' });
    });
    const activity = await start(nc, { deliberate: service.deliberate, retryDelaysMs: [50] });
    await publish(nc, envelope(plan('p-5', ['DEV', 'QA'])), 'evt-5');
    await waitFor(() => activity.some((a) => a.type === 'handled'), 'the retry to succeed');
    expect(activity.find((a) => a.type === 'retrying')).toMatchObject({
      delivery: 1,
      delayMs: 50,
      reason: expect.stringContaining('role QA (task plan-p-5-QA): UNAVAILABLE'),
    });
    // The retry found DEV's deliberation done and ran only QA's again.
    expect(service.calls.map((c) => c.taskId)).toEqual(['plan-p-5-DEV', 'plan-p-5-QA', 'plan-p-5-DEV', 'plan-p-5-QA']);

    await publish(nc, envelope(plan('p-6', ['DATA'])), 'evt-6');
    await waitFor(() => activity.some((a) => a.type === 'dead-lettered'), 'the refused plan dead-lettered');
    const [letter] = await listDeadLetters(nc);
    expect(letter!.reason).toBe(
      'refused: role DATA (task plan-p-6-DATA): INVALID_ARGUMENT: description: expected at most 20000 characters',
    );
  });

  it('dead-letters an event still failing on its last delivery', async () => {
    const nc = await nats().connect();
    const service = fakeService(async () => {
      throw new Error('model crashed');
    });
    const activity = await start(nc, { deliberate: service.deliberate, maxDeliver: 2, retryDelaysMs: [50] });
    await publish(nc, envelope(plan('p-7', ['DEV'])), 'evt-7');
    await waitFor(() => activity.some((a) => a.type === 'dead-lettered'), 'giving up');
    expect(service.calls).toHaveLength(2);
    const [letter] = await listDeadLetters(nc);
    expect(letter).toMatchObject({ deliveries: 2, reason: 'gave up after 2 deliveries: role DEV (task plan-p-7-DEV): model crashed' });
  });

  it('handles at most `concurrency` events at once, the rest as slots free up', async () => {
    const nc = await nats().connect();
    let running = 0;
    let most = 0;
    const service = fakeService(async () => {
      most = Math.max(most, ++running);
      await new Promise((resolve) => setTimeout(resolve, 200));
      running--;
    });
    const activity = await start(nc, { deliberate: service.deliberate, concurrency: 2 });
    for (let i = 0; i < 5; i++) await publish(nc, envelope(plan(`p-c${i}`, ['DEV']), `evt-c${i}`), `evt-c${i}`);
    await waitFor(() => activity.filter((a) => a.type === 'handled').length === 5, 'every plan handled');
    expect(most).toBe(2);
    expect(await consumerState(nc)).toEqual({ pending: 0, ackPending: 0, redelivered: 0 });
  });

  it('keeps a long deliberation from being redelivered while it runs', async () => {
    const nc = await nats().connect();
    const service = fakeService(() => new Promise((resolve) => setTimeout(resolve, 2_500)));
    const activity = await start(nc, { deliberate: service.deliberate, ackWaitMs: 1_000 });
    await publish(nc, envelope(plan('p-8', ['DEV'])), 'evt-8');
    await waitFor(() => activity.some((a) => a.type === 'handled'), 'the long deliberation', 10_000);
    expect(service.calls).toHaveLength(1);
    expect(await consumerState(nc)).toEqual({ pending: 0, ackPending: 0, redelivered: 0 });
  });

  it('keeps consuming after the embedded server is killed and restarted', async () => {
    const server = nats();
    const nc = await server.connect();
    const service = fakeService();
    const activity = await start(nc, { deliberate: service.deliberate });
    const reconnected = (async () => {
      for await (const s of nc.status()) if (s.type === 'reconnect') return;
    })();
    process.kill(server.server.pid!, 'SIGKILL');
    await reconnected;
    await publish(nc, envelope(plan('p-9', ['DEVOPS'])), 'evt-9');
    await waitFor(() => activity.some((a) => a.type === 'handled'), 'the event after the restart');
    expect(service.calls.map((c) => c.taskId)).toEqual(['plan-p-9-DEVOPS']);
  });
});
