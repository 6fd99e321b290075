import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { DEFAULT_WORKER_DURABLE, workerDurableName } from '../../../core/adapters/nats/agent-turns/agent-worker.js';
import { encodeTurnRequest } from '../../../core/adapters/nats/agent-turns/turn-messages.js';
import { requestSubject, responseSubject, turnRequestId } from '../../../core/adapters/nats/agent-turns/turn-subjects.js';
import { listDeadLetters } from '../../../core/adapters/nats/dead-letters.js';
import { makeAgents } from '../../../core/domain/council.js';
import { FleetError } from '../../../core/domain/errors.js';
import type { Role } from '../../../core/domain/role.js';
import type { Task } from '../../../core/domain/task.js';
import { useNatsServer } from '../nats/nats-fixture.js';
import { waitFor } from '../nats/processes.js';
import { fleetOn, useAgentTurns } from './agent-fixture.js';
import { scriptedTurns } from './scripted-turns.js';

const nats = useNatsServer();
const agents = useAgentTurns();

const requirements = ['Failed login attempts must be logged', 'Limits are configurable per tenant'];
const task = (id: string, role: Role = 'DEV'): Task => ({
  id,
  description: 'Add rate limiting to the login endpoint',
  role,
  constraints: { rubric: ['correctness', 'clarity'], requirements, timeoutMs: 60_000, maxTokens: 256 },
});
const ctx = (signal = new AbortController().signal) => ({ signal });

/**
 * The workers' consumer once its acks have landed: a worker acks on its own connection, so the server
 * may count an ack as pending for a moment after the requester already has the reply.
 */
async function ackPending(nc: NatsConnection, role: Role): Promise<{ ackPending: number; redelivered: number; pending: number }> {
  const jsm = await jetstreamManager(nc);
  for (const until = Date.now() + 5_000; ; await new Promise((r) => setTimeout(r, 50))) {
    const info = await jsm.consumers.info('AGENT_REQUESTS', workerDurableName(DEFAULT_WORKER_DURABLE, role));
    if (info.num_ack_pending === 0 || Date.now() > until) {
      return { ackPending: info.num_ack_pending, redelivered: info.num_redelivered, pending: info.num_pending };
    }
  }
}

describe('agent turns over NATS', () => {
  it('runs a whole deliberation through the use case on a remote worker: COMPLETED and ranked', async () => {
    const [orchestrator, workerNc] = [await nats().connect(), await nats().connect()];
    const remote = scriptedTurns();
    const { activity } = await agents.worker(workerNc, remote);
    const fleet = await fleetOn(agents.requester(orchestrator));

    const d = await fleet.deliberations.orchestrate({
      taskId: 'login-limits',
      description: 'Add rate limiting to the login endpoint',
      role: 'DEV',
      requirements,
      numAgents: 3,
      rounds: 1,
      topK: 2,
    });

    expect(d.status).toBe('COMPLETED');
    expect(d.failures).toEqual([]);
    expect(d.results.map((r) => r.rank)).toEqual([1, 2, 3]);
    expect(new Set(d.results.map((r) => r.proposal.authorId))).toEqual(new Set(['dev-1', 'dev-2', 'dev-3']));
    for (const r of d.results) {
      expect(r.proposal.revisions).toHaveLength(1);
      expect(r.checks.requirementCoverage).toBe(1);
      // 12 went over the wire as the judge gave it; the domain clamped it.
      expect(r.judgment.criteria[0]).toMatchObject({ score: 10, repaired: 'above 10 (12)' });
    }
    // The architect's choice came back from the worker too.
    expect(d.decision?.candidates).toEqual(d.results.slice(0, 2).map((r) => r.proposal.authorId));
    expect(d.winnerId).toBe(d.decision?.candidates.at(-1));
    // 3 proposals, 3 critiques, 3 revisions, 3 judgments, 1 choice: each turn ran once, on the worker.
    expect(remote.calls.map((c) => c.method).sort()).toEqual(
      [...Array(3).fill('critique'), ...Array(3).fill('judge'), ...Array(3).fill('propose'), ...Array(3).fill('revise'), 'choose'].sort(),
    );
    // The worker acknowledges each request just after its reply is stored.
    await waitFor(() => activity.filter((a) => a.type === 'answered' && a.ok).length === 13, 'every request acknowledged');
    // The critiques the worker saw hold the proposals as the orchestrator had them.
    const critique = remote.calls.find((c) => c.method === 'critique' && c.agentId === 'dev-1')!;
    const target = critique.args[2] as { authorId: string; content: unknown };
    expect(target.authorId).toBe('dev-2');
    expect(target.content).toEqual(d.results.find((r) => r.proposal.authorId === 'dev-2')!.proposal.original);
    expect(await ackPending(orchestrator, 'DEV')).toMatchObject({ ackPending: 0, pending: 0, redelivered: 0 });
  });

  it('runs up to `concurrency` turns at once, across roles, never more', async () => {
    const [orchestrator, workerNc] = [await nats().connect(), await nats().connect()];
    const remote = scriptedTurns({ delayMs: 300 });
    await agents.worker(workerNc, remote, { concurrency: 4 });
    const turns = agents.requester(orchestrator);

    const dev = makeAgents('DEV', 6).map((a) => turns.propose(a, task('many-dev'), ctx()));
    const qa = makeAgents('QA', 6).map((a) => turns.propose(a, task('many-qa', 'QA'), ctx()));
    const outputs = await Promise.all([...dev, ...qa]);

    expect(outputs).toHaveLength(12);
    expect(outputs.every((o) => o.value.summary.startsWith('Proposal by'))).toBe(true);
    expect(remote.maxInFlight).toBe(4);
  });

  it("rejects with the worker's error code and message when the turn throws, and does not run it again", async () => {
    const [orchestrator, workerNc] = [await nats().connect(), await nats().connect()];
    const remote = scriptedTurns({ fail: () => new FleetError('FAILED_PRECONDITION', 'model not loaded') });
    await agents.worker(workerNc, remote, { workerName: 'gpu-box:7' });
    const turns = agents.requester(orchestrator);

    const error = await turns.propose(makeAgents('DEV', 1)[0]!, task('fails'), ctx()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FleetError);
    expect(error).toMatchObject({ code: 'FAILED_PRECONDITION', message: 'model not loaded (worker gpu-box:7)' });
    await waitFor(() => remote.calls.length === 1, 'the one call');
    expect(await ackPending(orchestrator, 'DEV')).toMatchObject({ ackPending: 0, redelivered: 0 });
  });

  it('forwards throttled progress from the worker to the turn', async () => {
    const [orchestrator, workerNc] = [await nats().connect(), await nats().connect()];
    await agents.worker(workerNc, scriptedTurns({ progressTicks: 10 }), { progressIntervalMs: 60 });
    const turns = agents.requester(orchestrator);
    const seen: number[] = [];

    await turns.propose(makeAgents('DEV', 1)[0]!, task('progress'), {
      signal: new AbortController().signal,
      onProgress: (p) => seen.push(p.tokens),
    });

    expect(seen.length).toBeGreaterThanOrEqual(2);
    // Throttled: 10 reports 30 ms apart, at most one per 60 ms goes out.
    expect(seen.length).toBeLessThan(10);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
  });

  it('times out with DEADLINE_EXCEEDED and the worker stops the turn', async () => {
    const [orchestrator, workerNc] = [await nats().connect(), await nats().connect()];
    const remote = scriptedTurns({ delayMs: 60_000 });
    const { activity } = await agents.worker(workerNc, remote);
    const turns = agents.requester(orchestrator, { turnTimeoutMs: 700 });

    await expect(turns.propose(makeAgents('DEV', 1)[0]!, task('slow'), ctx())).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
    await waitFor(() => remote.aborted.has('dev-1'), "the worker's turn aborted");
    expect(remote.aborted.get('dev-1')).toMatchObject({ code: 'DEADLINE_EXCEEDED' });
    await waitFor(() => activity.some((a) => a.type === 'answered'), 'the request settled');
    expect(await ackPending(orchestrator, 'DEV')).toMatchObject({ ackPending: 0 });
  });

  it('rejects a turn asked for as the turns close (a daemon stopping mid-deliberation), rather than wait for its deadline', async () => {
    const orchestrator = await nats().connect();
    const turns = agents.requester(orchestrator, { turnTimeoutMs: 60_000 });
    // Asked before close, still waiting for the reply collector when close comes.
    const asked = turns.propose(makeAgents('DEV', 1)[0]!, task('at-close'), ctx()).catch((e: unknown) => e);
    await turns.close();
    const started = Date.now();
    expect(await asked).toMatchObject({ code: 'UNAVAILABLE' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("cancels: the turn rejects CANCELLED at once and the worker's turn signal fires", async () => {
    const [orchestrator, workerNc] = [await nats().connect(), await nats().connect()];
    const remote = scriptedTurns({ delayMs: 60_000 });
    const { activity } = await agents.worker(workerNc, remote);
    const turns = agents.requester(orchestrator);
    const controller = new AbortController();

    const running = turns.propose(makeAgents('DEV', 1)[0]!, task('cancel-me'), ctx(controller.signal));
    await waitFor(() => remote.inFlight === 1, 'the turn running on the worker');
    const abortedAt = Date.now();
    controller.abort();

    await expect(running).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(Date.now() - abortedAt).toBeLessThan(500);
    await waitFor(() => remote.aborted.has('dev-1'), "the worker's turn aborted");
    expect(remote.aborted.get('dev-1')).toMatchObject({ code: 'CANCELLED' });
    expect(activity).toContainEqual({ type: 'cancelled', requestId: 'cancel-me.propose.0.dev-1', code: 'CANCELLED' });
    await waitFor(() => activity.some((a) => a.type === 'answered'), 'the request settled');
    expect(await ackPending(orchestrator, 'DEV')).toMatchObject({ ackPending: 0, redelivered: 0 });
  });

  it('dead-letters a malformed request with the reason, answers it when it names its id, and keeps working', async () => {
    const [orchestrator, workerNc] = [await nats().connect(), await nats().connect()];
    const remote = scriptedTurns();
    const { activity } = await agents.worker(workerNc, remote);
    const js = jetstream(orchestrator);
    const subject = requestSubject('DEV', 'propose');
    await js.publish(subject, new TextEncoder().encode('{not json'), { msgID: 'garbage-1' });
    const envelope = {
      event_id: 'broken.propose.0.dev-1',
      type: 'agent.request',
      version: 1,
      occurred_at: new Date().toISOString(),
      correlation_id: 'broken',
    };
    await js.publish(subject, new TextEncoder().encode(JSON.stringify({ ...envelope, payload: { phase: 'propose', role: 'DEV' } })), {
      msgID: 'garbage-2',
    });

    await waitFor(() => activity.filter((a) => a.type === 'dead-lettered').length === 2, 'both dead-lettered');
    const letters = await listDeadLetters(orchestrator, { subject });
    expect(letters).toHaveLength(2);
    expect(letters[0]!.reason).toMatch(/message: expected JSON/);
    expect(letters[1]!.reason).toMatch(/payload\.task/);
    expect(letters[1]!.consumer).toBe(workerDurableName(DEFAULT_WORKER_DURABLE, 'DEV'));
    // The second named its request id: its requester gets the refusal instead of waiting out its timeout.
    const reply = await (
      await jetstreamManager(orchestrator)
    ).streams.getMessage('AGENT_RESPONSES', { last_by_subj: responseSubject('broken.propose.0.dev-1') });
    expect(reply?.json<{ payload: { status: string; code: string } }>().payload).toMatchObject({
      status: 'error',
      code: 'INVALID_ARGUMENT',
    });

    // Still serving.
    const out = await agents.requester(orchestrator).propose(makeAgents('DEV', 1)[0]!, task('after-garbage'), ctx());
    expect(out.value.summary).toContain('after-garbage');
    expect(await ackPending(orchestrator, 'DEV')).toMatchObject({ ackPending: 0, redelivered: 0, pending: 0 });
  });

  it('runs a duplicated request once: a repeated publish is dropped and a second requester gets the same reply', async () => {
    const [orchestrator, other, workerNc] = [await nats().connect(), await nats().connect(), await nats().connect()];
    const remote = scriptedTurns({ delayMs: 200 });
    await agents.worker(workerNc, remote);
    const dev1 = makeAgents('DEV', 1)[0]!;

    // The same request published twice by hand: stored once.
    const id = turnRequestId({ taskId: 'twice', phase: 'propose', agentId: dev1.id });
    const bytes = encodeTurnRequest(
      { requestId: id, phase: 'propose', role: 'DEV', task: task('twice'), agent: dev1, expiresAtMs: Date.now() + 60_000 },
      Date.now(),
    );
    const js = jetstream(orchestrator);
    const acks = [
      await js.publish(requestSubject('DEV', 'propose'), bytes, { msgID: id }),
      await js.publish(requestSubject('DEV', 'propose'), bytes, { msgID: id }),
    ];
    expect(acks.map((a) => a.duplicate)).toEqual([false, true]);

    // Two requesters (an orchestrator and its retry elsewhere) asking for the same turn meanwhile.
    const [a, b] = await Promise.all([
      agents.requester(orchestrator).propose(dev1, task('twice'), ctx()),
      agents.requester(other).propose(dev1, task('twice'), ctx()),
    ]);
    expect(a).toEqual(b);
    expect(remote.calls).toHaveLength(1);
    // And after the reply is stored, asking again is answered from the stream without running the turn.
    const late = await agents.requester(other).propose(dev1, task('twice'), ctx());
    expect(late).toEqual(a);
    expect(remote.calls).toHaveLength(1);
  });

  it('answers a request that expires as its turn starts with DEADLINE_EXCEEDED', async () => {
    const [orchestrator, workerNc] = [await nats().connect(), await nats().connect()];
    const dev1 = makeAgents('DEV', 1)[0]!;
    const id = turnRequestId({ taskId: 'last-moment', phase: 'propose', agentId: dev1.id });
    // Workers still take a request up to 2 s (their allowance for clock skew) past its expiry.
    const lastMomentMs = Date.now() + 1_500;
    const { activity } = await agents.worker(workerNc, scriptedTurns({ delayMs: 200 }), {
      // Time moves on between the worker's expiry check and the turn's start (a slow log write, a GC pause).
      onActivity: (a) => {
        if (a.type === 'started' && a.requestId === id) while (Date.now() <= lastMomentMs) continue;
      },
    });
    const bytes = encodeTurnRequest(
      { requestId: id, phase: 'propose', role: 'DEV', task: task('last-moment'), agent: dev1, expiresAtMs: lastMomentMs - 2_000 },
      Date.now(),
    );
    await jetstream(orchestrator).publish(requestSubject('DEV', 'propose'), bytes, { msgID: id });

    await waitFor(() => activity.some((a) => a.type === 'answered' || a.type === 'error'), 'the request settled');
    expect(activity.filter((a) => a.type === 'error')).toEqual([]);
    expect(activity).toContainEqual({ type: 'answered', requestId: id, phase: 'propose', ok: false, code: 'DEADLINE_EXCEEDED' });
  });

  it('rejects with INTERNAL when the reply is malformed', async () => {
    const orchestrator = await nats().connect();
    const turns = agents.requester(orchestrator);
    const running = turns.critique(makeAgents('QA', 1)[0]!, task('bad-reply', 'QA'), proposalOf('qa-2'), 1, ctx());
    const id = turnRequestId({ taskId: 'bad-reply', phase: 'critique', round: 1, agentId: 'qa-1', subject: 'qa-2' });
    await untilStored(orchestrator, 'AGENT_REQUESTS', requestSubject('QA', 'critique'));
    const reply = {
      event_id: `${id}.response`,
      type: 'agent.response.turn',
      version: 1,
      occurred_at: new Date().toISOString(),
      correlation_id: 'bad-reply',
    };
    await jetstream(orchestrator).publish(
      responseSubject(id),
      new TextEncoder().encode(
        JSON.stringify({
          ...reply,
          payload: { status: 'ok', phase: 'critique', value: { feedback: 3 }, raw: '', completion_tokens: 1, duration_ms: 1 },
        }),
      ),
    );

    const error = await running.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FleetError);
    expect(error).toMatchObject({ code: 'INTERNAL' });
    expect((error as Error).message).toMatch(/malformed reply to turn bad-reply\.critique\.1\.qa-1\.qa-2: payload\.value\.feedback/);
  });

  it('hands the turns in hand back when a worker stops, so the next worker takes them at once', async () => {
    const [orchestrator, workerNc] = [await nats().connect(), await nats().connect()];
    const slow = scriptedTurns({ delayMs: 60_000 });
    const first = await agents.worker(workerNc, slow, { ackWaitMs: 30_000, stopGraceMs: 100 });
    const turns = agents.requester(orchestrator);

    const running = turns.propose(makeAgents('DEV', 1)[0]!, task('handover'), ctx());
    await waitFor(() => slow.inFlight === 1, 'the turn running on the first worker');
    await first.worker.stop();
    expect(first.activity).toContainEqual({ type: 'released', requestId: 'handover.propose.0.dev-1' });
    expect(slow.aborted.has('dev-1')).toBe(true);

    const stoppedAt = Date.now();
    const { activity } = await agents.worker(workerNc, scriptedTurns(), { ackWaitMs: 30_000 });
    const out = await running;
    expect(out.value.summary).toContain('handover');
    // Well before the 30 s ack_wait: the request was handed back, not left to time out.
    expect(Date.now() - stoppedAt).toBeLessThan(5_000);
    expect(activity).toContainEqual(expect.objectContaining({ type: 'started', requestId: 'handover.propose.0.dev-1' }));
  });

  it('recreates its reply consumer when the server lost it, and still gets the reply', async () => {
    const [orchestrator, workerNc] = [await nats().connect(), await nats().connect()];
    const remote = scriptedTurns({ delayMs: 800 });
    await agents.worker(workerNc, remote);
    const turns = agents.requester(orchestrator, { collectorName: 'collector-under-test' });

    const running = turns.propose(makeAgents('DEV', 1)[0]!, task('lost-consumer'), ctx());
    await waitFor(() => remote.inFlight === 1, 'the turn running');
    await (await jetstreamManager(orchestrator)).consumers.delete('AGENT_RESPONSES', 'collector-under-test');

    const out = await running;
    expect(out.value.summary).toContain('lost-consumer');
    await turns.close();
    const left = await (await jetstreamManager(orchestrator)).consumers.list('AGENT_RESPONSES').next();
    expect(left.map((c) => c.name)).toEqual([]);
  });

  it('waits through a nats-server restart: the reply stored after it reaches the turn', async () => {
    const [orchestrator, workerNc] = [await nats().connect(), await nats().connect()];
    const remote = scriptedTurns({ delayMs: 2_500 });
    await agents.worker(workerNc, remote);
    const turns = agents.requester(orchestrator);

    const running = turns.propose(makeAgents('DEV', 1)[0]!, task('restart'), ctx());
    await waitFor(() => remote.inFlight === 1, 'the turn running');
    const server = nats().server;
    const before = server.pid!;
    process.kill(before, 'SIGKILL');
    await waitFor(() => server.pid !== undefined && server.pid !== before, 'the supervisor restarting nats-server');

    const out = await running;
    expect(out.value.summary).toContain('restart');
    expect(remote.calls).toHaveLength(1);
  });
});

async function untilStored(nc: NatsConnection, stream: string, subject: string): Promise<void> {
  const jsm = await jetstreamManager(nc);
  for (let i = 0; i < 250; i++) {
    if ((await jsm.streams.getMessage(stream, { last_by_subj: subject }).catch(() => null)) !== null) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`nothing stored on ${subject}`);
}

function proposalOf(authorId: string) {
  const content = { summary: 'summary of it all', approach: 'approach', risks: 'risks', requirements: [] };
  return { authorId, authorRole: 'QA' as const, content, original: content, revisions: [], raw: '{}', createdAtMs: 1 };
}
