import { AckPolicy, type ConsumerMessages, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_WORKER_DURABLE, workerDurableName } from '../../../core/adapters/nats/agent-turns/agent-worker.js';
import { MAX_DELIVERIES_ADVISORY } from '../../../core/adapters/nats/agent-turns/exhausted-requests.js';
import { encodeTurnResponse } from '../../../core/adapters/nats/agent-turns/turn-messages.js';
import {
  requestSubject,
  responseMessageId,
  responseSubject,
  roleRequestFilter,
  turnRequestId,
} from '../../../core/adapters/nats/agent-turns/turn-subjects.js';
import { makeAgents } from '../../../core/domain/council.js';
import { FleetError } from '../../../core/domain/errors.js';
import type { Role } from '../../../core/domain/role.js';
import type { Task } from '../../../core/domain/task.js';
import { useNatsServer } from '../nats/nats-fixture.js';
import { waitFor } from '../nats/processes.js';
import { useAgentTurns } from './agent-fixture.js';

const nats = useNatsServer();
const agents = useAgentTurns();
const dying: { stop(): Promise<void> }[] = [];
// Runs before the server's teardown (hooks unwind in reverse): a failed test still lets go of its pulls and consumer.
afterEach(async () => {
  await Promise.all(dying.splice(0).map((w) => w.stop().catch(() => undefined)));
});

// Far beyond how long these tests may take: a turn that ends did not end by its timeout.
const TURN_TIMEOUT_MS = 60_000;
const ACK_WAIT_MS = 500;
const MAX_DELIVER = 2;

const task = (id: string, role: Role = 'DEV'): Task => ({
  id,
  description: 'Add rate limiting to the login endpoint',
  role,
  constraints: {
    rubric: ['correctness', 'clarity'],
    requirements: ['Limits are configurable per tenant'],
    timeoutMs: 60_000,
    maxTokens: 256,
  },
});
const ctx = () => ({ signal: new AbortController().signal });

/**
 * Workers of `role` that each take the request and die before answering: the worker consumer, pulled
 * without ever acknowledging, and pulled again after every delivery as the next worker would. With
 * `holdAfterLast`, nobody pulls after the last delivery until `resume`: a 2.9 server sends the
 * max-deliveries advisory of a pull consumer only at its next pull.
 */
async function dyingWorkers(nc: NatsConnection, role: Role, options: { holdAfterLast?: boolean } = {}) {
  const jsm = await jetstreamManager(nc);
  const durable = workerDurableName(DEFAULT_WORKER_DURABLE, role);
  await jsm.consumers.add('AGENT_REQUESTS', {
    durable_name: durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: roleRequestFilter(role),
    ack_wait: nanos(ACK_WAIT_MS),
    max_deliver: MAX_DELIVER,
  });
  const consumer = await jetstream(nc).consumers.get('AGENT_REQUESTS', durable);
  const deliveries: { seq: number; delivery: number }[] = [];
  let holdAt = options.holdAfterLast === true ? MAX_DELIVER : Infinity;
  let stopping = false;
  let batch: ConsumerMessages | undefined;
  const pulling = (async () => {
    while (!stopping) {
      if (deliveries.length >= holdAt) {
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      try {
        batch = await consumer.fetch({ max_messages: 1, expires: 1_000 });
        for await (const m of batch) deliveries.push({ seq: m.seq, delivery: m.info.deliveryCount });
      } catch (e) {
        if (stopping || nc.isClosed()) return;
        throw e;
      }
    }
  })();
  let stopped: Promise<void> | undefined;
  const workers = {
    deliveries,
    resume: () => void (holdAt = Infinity),
    stop: () =>
      (stopped ??= (async () => {
        stopping = true;
        await batch?.close().catch(() => undefined);
        await pulling;
        await jsm.consumers.delete('AGENT_REQUESTS', durable);
      })()),
  };
  dying.push(workers);
  return workers;
}

async function untilStored(nc: NatsConnection, subject: string): Promise<void> {
  const jsm = await jetstreamManager(nc);
  for (let i = 0; i < 250; i++) {
    if ((await jsm.streams.getMessage('AGENT_REQUESTS', { last_by_subj: subject }).catch(() => null)) !== null) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`nothing stored on ${subject}`);
}

async function consumersLeft(nc: NatsConnection): Promise<string[]> {
  const jsm = await jetstreamManager(nc);
  const names: string[] = [];
  for (const stream of ['AGENT_REQUESTS', 'AGENT_RESPONSES']) {
    for await (const c of jsm.consumers.list(stream)) names.push(`${stream}/${c.name}`);
  }
  return names;
}

describe('a turn whose request runs out of deliveries', () => {
  it('rejects UNAVAILABLE at once, naming the deliveries; a turn of another requester keeps waiting', async () => {
    const [orchestrator, elsewhere, workerNc] = [await nats().connect(), await nats().connect(), await nats().connect()];
    const workers = await dyingWorkers(workerNc, 'DEV');
    const turns = agents.requester(orchestrator, { turnTimeoutMs: TURN_TIMEOUT_MS });
    // Waits on a turn nobody serves: it hears the same advisory, for a request that is not its own.
    const bystander = agents.requester(elsewhere, { turnTimeoutMs: TURN_TIMEOUT_MS });
    let bystanderSettled = false;
    const waiting = bystander.propose(makeAgents('QA', 1)[0]!, task('bystander', 'QA'), ctx());
    waiting.then(
      () => (bystanderSettled = true),
      () => (bystanderSettled = true),
    );

    const startedAt = Date.now();
    const error = await turns.propose(makeAgents('DEV', 1)[0]!, task('dies-every-time'), ctx()).catch((e: unknown) => e);
    const tookMs = Date.now() - startedAt;

    expect(error).toBeInstanceOf(FleetError);
    expect(error).toMatchObject({ code: 'UNAVAILABLE' });
    expect((error as Error).message).toMatch(
      /^no worker completed propose for dev-1 after 2 deliveries \(the DEV workers crashed or stalled on it\)/,
    );
    expect((error as Error).message).toContain(
      `consumer ${workerDurableName(DEFAULT_WORKER_DURABLE, 'DEV')} for turn dies-every-time.propose.0.dev-1`,
    );
    // Two ack_waits and a pull, not the turn's timeout.
    expect(tookMs).toBeGreaterThanOrEqual(2 * ACK_WAIT_MS - 100);
    expect(tookMs).toBeLessThan(5_000);
    expect(workers.deliveries.map((d) => d.delivery)).toEqual([1, 2]);

    await new Promise((r) => setTimeout(r, 300));
    expect(bystanderSettled).toBe(false);
    await bystander.close();
    await expect(waiting).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/closed/) });

    await workers.stop();
    await turns.close();
    expect(await consumersLeft(orchestrator)).toEqual([]);
  });

  it('still takes a reply stored after the last delivery, before the advisory', async () => {
    const [orchestrator, workerNc] = [await nats().connect(), await nats().connect()];
    const workers = await dyingWorkers(workerNc, 'DEV', { holdAfterLast: true });
    const turns = agents.requester(orchestrator, { turnTimeoutMs: TURN_TIMEOUT_MS });
    const dev1 = makeAgents('DEV', 1)[0]!;
    const id = turnRequestId({ taskId: 'late-reply', phase: 'propose', agentId: dev1.id });

    const advisories: string[] = [];
    workerNc.subscribe(MAX_DELIVERIES_ADVISORY, { callback: (_e, m) => void advisories.push(m.subject) });

    const running = turns.propose(dev1, task('late-reply'), ctx());
    await waitFor(() => workers.deliveries.length === MAX_DELIVER, 'both deliveries taken');
    // The last worker was slow, not dead: its reply lands after its ack_wait.
    await new Promise((r) => setTimeout(r, ACK_WAIT_MS + 200));
    const content = { summary: 'late but complete', approach: 'steps', risks: 'none', requirements: [] };
    const reply = encodeTurnResponse(
      id,
      'late-reply',
      { status: 'ok', phase: 'propose', output: { value: content, raw: '{}', completionTokens: 7, durationMs: 1 }, worker: 'slow-box' },
      Date.now(),
    );
    await jetstream(workerNc).publish(responseSubject(id), reply, { msgID: responseMessageId(id) });
    workers.resume();

    const out = await running;
    expect(out.value.summary).toBe('late but complete');
    // The advisory came all the same, to a turn that had its answer.
    await waitFor(() => advisories.length === 1, 'the max-deliveries advisory');
    await workers.stop();
    await turns.close();
    expect(await consumersLeft(orchestrator)).toEqual([]);
  });

  it('answers with a reply already stored when the advisory comes, even one its reply consumer never delivered', async () => {
    const [orchestrator, workerNc] = [await nats().connect(), await nats().connect()];
    const dev1 = makeAgents('DEV', 1)[0]!;
    const id = turnRequestId({ taskId: 'stored-before', phase: 'propose', agentId: dev1.id });
    // Stored before this requester's reply consumer exists, which reads only what comes after it: only
    // the look-up the advisory makes can find it.
    const content = { summary: 'stored before the advisory', approach: 'steps', risks: 'none', requirements: [] };
    const reply = encodeTurnResponse(
      id,
      'stored-before',
      { status: 'ok', phase: 'propose', output: { value: content, raw: '{}', completionTokens: 7, durationMs: 1 }, worker: 'w' },
      Date.now(),
    );
    await jetstream(workerNc).publish(responseSubject(id), reply, { msgID: responseMessageId(id) });
    const workers = await dyingWorkers(workerNc, 'DEV');
    const turns = agents.requester(orchestrator, { turnTimeoutMs: TURN_TIMEOUT_MS });

    const out = await turns.propose(dev1, task('stored-before'), ctx());

    expect(out.value.summary).toBe('stored before the advisory');
    expect(workers.deliveries.map((d) => d.delivery)).toEqual([1, 2]);
    await workers.stop();
    await turns.close();
    expect(await consumersLeft(orchestrator)).toEqual([]);
  });

  it('ignores an advisory it cannot read or whose request is no longer stored, with a debug log', async () => {
    const [orchestrator, other] = [await nats().connect(), await nats().connect()];
    const logs: { level: string; message: string; fields?: Readonly<Record<string, unknown>> }[] = [];
    const turns = agents.requester(orchestrator, {
      turnTimeoutMs: TURN_TIMEOUT_MS,
      onLog: (level, message, fields) => logs.push({ level, message, fields }),
    });
    const dev1 = makeAgents('DEV', 1)[0]!;
    const id = turnRequestId({ taskId: 'odd-advisories', phase: 'propose', agentId: dev1.id });
    let settled = false;
    const running = turns.propose(dev1, task('odd-advisories'), ctx());
    running.then(
      () => (settled = true),
      () => (settled = true),
    );
    // Stored means published, and the requester subscribes to the advisories before it publishes.
    await untilStored(orchestrator, requestSubject('DEV', 'propose'));

    const advisory = (seq: number) =>
      JSON.stringify({
        type: 'io.nats.jetstream.advisory.v1.max_deliver',
        id: 'x',
        timestamp: new Date().toISOString(),
        stream: 'AGENT_REQUESTS',
        consumer: 'gone',
        stream_seq: seq,
        deliveries: 2,
      });
    const subject = MAX_DELIVERIES_ADVISORY.replace('>', 'gone');
    other.publish(subject, advisory(999_999));
    other.publish(subject, '{"type":"io.nats.jetstream.advisory.v1.max_deliver"}');
    await other.flush();
    await waitFor(() => logs.filter((l) => l.level === 'debug').length === 2, 'both advisories logged');
    expect(logs).toContainEqual(
      expect.objectContaining({ level: 'debug', fields: expect.objectContaining({ seq: 999_999, why: 'no longer stored' }) }),
    );
    expect(logs).toContainEqual(expect.objectContaining({ level: 'debug', message: 'unreadable max-deliveries advisory ignored' }));
    expect(settled).toBe(false);

    // Still waiting, and a reply still ends it.
    const content = { summary: 'answered after all', approach: 'steps', risks: 'none', requirements: [] };
    const reply = encodeTurnResponse(
      id,
      'odd-advisories',
      { status: 'ok', phase: 'propose', output: { value: content, raw: '{}', completionTokens: 7, durationMs: 1 }, worker: 'w' },
      Date.now(),
    );
    await jetstream(other).publish(responseSubject(id), reply, { msgID: responseMessageId(id) });
    expect((await running).value.summary).toBe('answered after all');
    await turns.close();
    expect(await consumersLeft(orchestrator)).toEqual([]);
  });
});
