import { hostname } from 'node:os';
import type { JsMsg } from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { abortError, FleetError, invalidArgument } from '../../../domain/errors.js';
import { ROLES, type Role } from '../../../domain/role.js';
import type { AgentTurns, TurnContext, TurnOutput } from '../../../ports/agent-turns.js';
import { maxPayload } from '../connect.js';
import { DurableWorker, type DurableWorkerActivity } from '../durable-worker.js';
import { retryWhileConnected } from '../retry.js';
import { heartbeat, settle } from '../settle.js';
import { STREAM } from '../streams.js';
import {
  type CancelReason,
  decodeTurnCancel,
  decodeTurnRequest,
  encodeTurnProgress,
  encodeTurnResponse,
  requestIdsIn,
  type TurnRequest,
  type TurnResponse,
} from './turn-messages.js';
import {
  progressSubject,
  requestIdOf,
  responseMessageId,
  responseSubject,
  roleRequestFilter,
  TURN_PHASES,
  TURN_SUBJECT,
  type TurnPhase,
} from './turn-subjects.js';

export interface AgentWorkerOptions {
  readonly nc: NatsConnection;
  /** Runs the turns: createLocalAgentTurns over this machine's model, typically. */
  readonly turns: AgentTurns;
  /** The roles whose requests this worker takes. Default all five. */
  readonly roles?: readonly Role[];
  /** Turns run at once, over all its roles. Default 8 (a llama.cpp context's sequences decode them in one batch). */
  readonly concurrency?: number;
  /**
   * Prefix of the durable consumers, one per role (`<prefix>-<ROLE>`). Every worker given the same
   * prefix shares them, so the workers of a role compete for its requests. Default 'fleet-agent-worker'.
   */
  readonly durableName?: string;
  /** A request neither answered nor kept alive this long goes to another worker. Default 30000. */
  readonly ackWaitMs?: number;
  /** Deliveries of one request, crashes included, before the server stops offering it. Default 5. */
  readonly maxDeliver?: number;
  /** Delay before offering a request again when its reply could not be stored (the last repeats). */
  readonly backoffMs?: readonly number[];
  /** How long `stop` lets turns in hand finish before handing them back. Default 5000. */
  readonly stopGraceMs?: number;
  /** Least time between two progress messages of one turn. Default 250. */
  readonly progressIntervalMs?: number;
  /** Names this worker in its replies, for the requester's logs. Default `<hostname>:<pid>`. */
  readonly workerName?: string;
  readonly onActivity?: (activity: AgentWorkerActivity) => void;
}

export type AgentWorkerActivity =
  | { readonly type: 'started'; readonly requestId: string; readonly phase: TurnPhase; readonly role: Role; readonly delivery: number }
  | { readonly type: 'answered'; readonly requestId: string; readonly phase: TurnPhase; readonly ok: boolean; readonly code?: string }
  | { readonly type: 'skipped'; readonly requestId: string; readonly reason: 'cancelled' | 'expired' | 'answered' | 'running' }
  | { readonly type: 'cancelled'; readonly requestId: string; readonly code: CancelReason }
  | { readonly type: 'released'; readonly requestId: string }
  | { readonly type: 'retrying'; readonly requestId: string; readonly delayMs: number; readonly reason: string }
  | DurableWorkerActivity;

export interface AgentWorker {
  /** Stops taking requests, lets turns in hand finish (up to the grace), hands the rest back for redelivery. */
  stop(): Promise<void>;
}

export const DEFAULT_WORKER_DURABLE = 'fleet-agent-worker';
export const workerDurableName = (prefix: string, role: Role): string => `${prefix}-${role}`;

const DEFAULT_BACKOFF_MS = [1_000, 5_000, 15_000];
const STOP_ABORT_WAIT_MS = 2_000;
// Clocks of two machines disagree a little; a worker should not drop a request the requester still awaits.
const EXPIRY_GRACE_MS = 2_000;
const MAX_TIMER_MS = 2_147_000_000;
const RECENT_CANCELS = 10_000;

/** The worker stopping is not the turn's failure: it goes back to the stream for another worker. */
const STOPPING = Symbol('worker stopping');

interface InHand {
  msg: JsMsg;
  readonly controller: AbortController;
}

/**
 * An agent worker: takes turn requests from AGENT_REQUESTS through one durable pull consumer per role
 * (`agent.request.<ROLE>.>`), runs up to `concurrency` of them at once on `turns`, and answers each on
 * `agent.response.turn.<request id>`.
 *
 * Requests are pulled one at a time and only while a slot is free (see DurableWorker): the turns in
 * hand run together (one batch in llama.cpp). A long turn keeps its request with working(); a worker
 * that dies loses its requests to another worker after ack_wait. A turn that throws is answered with
 * its error and acknowledged, since running it again would fail the same way. The reply is stored
 * before the request is acknowledged, so a crash in between only means a redelivery, which finds the
 * reply and does not run the turn again.
 */
export async function startAgentWorker(options: AgentWorkerOptions): Promise<AgentWorker> {
  const { nc, turns } = options;
  const roles = [...new Set(options.roles ?? ROLES)];
  const concurrency = options.concurrency ?? 8;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw invalidArgument('concurrency', 'a positive integer', concurrency);
  if (roles.length === 0) throw invalidArgument('roles', `at least one of ${ROLES.join(', ')}`);
  const prefix = options.durableName ?? DEFAULT_WORKER_DURABLE;
  const ackWaitMs = options.ackWaitMs ?? 30_000;
  const maxDeliver = options.maxDeliver ?? 5;
  const progressIntervalMs = options.progressIntervalMs ?? 250;
  const worker = options.workerName ?? `${hostname()}:${process.pid}`;
  const report = (a: AgentWorkerActivity): void => options.onActivity?.(a);

  const durable = new DurableWorker({
    nc,
    name: 'agent worker',
    stream: STREAM.AGENT_REQUESTS,
    consumers: roles.map((role) => ({ name: workerDurableName(prefix, role), filter: roleRequestFilter(role) })),
    concurrency,
    ackWaitMs,
    maxDeliver,
    retryDelaysMs: options.backoffMs ?? DEFAULT_BACKOFF_MS,
    stopGraceMs: options.stopGraceMs ?? 5_000,
    handle,
    onActivity: report,
  });
  const inHand = new Map<string, InHand>();
  // Cancels for requests not taken yet (still queued, or at another worker that dies): skipped if they come.
  const cancelled = new Map<string, CancelReason>();

  const cancels: Subscription = nc.subscribe(`${TURN_SUBJECT.cancelPrefix}>`, {
    callback: (err, msg) => {
      const id = err === null ? requestIdOf(msg.subject, TURN_SUBJECT.cancelPrefix) : undefined;
      if (id === undefined) return;
      const code = decodeTurnCancel(msg.data);
      cancelled.set(id, code);
      if (cancelled.size > RECENT_CANCELS) cancelled.delete(cancelled.keys().next().value!);
      const turn = inHand.get(id);
      if (turn === undefined) return;
      report({ type: 'cancelled', requestId: id, code });
      turn.controller.abort(
        new FleetError(code, code === 'DEADLINE_EXCEEDED' ? 'the requester stopped waiting for this turn' : 'cancelled by the requester'),
      );
    },
  });

  const publishReply = (id: string, data: Uint8Array) =>
    retryWhileConnected(nc, () => durable.js.publish(responseSubject(id), data, { msgID: responseMessageId(id), timeout: 5_000 }), {
      attempts: 3,
      firstDelayMs: 200,
      factor: 2,
    });

  /** Stores the reply, then lets the request go; a reply that cannot be stored leaves the request for later. */
  async function answer(turn: InHand, id: string, taskId: string, response: TurnResponse): Promise<void> {
    let data = encodeTurnResponse(id, taskId, response, Date.now());
    if (data.length > maxPayload(nc)) {
      const message = `the turn's output is ${data.length} bytes, more than the NATS server's max_payload of ${maxPayload(nc)}`;
      data = encodeTurnResponse(id, taskId, { status: 'error', phase: response.phase, code: 'INTERNAL', message, worker }, Date.now());
    }
    try {
      await publishReply(id, data);
    } catch (e) {
      const delivery = turn.msg.info.deliveryCount;
      if (delivery >= maxDeliver) {
        // The server offers it no more; its max-deliveries advisory ends the requester's turn.
        report({
          type: 'error',
          message: `gave up on ${id} after ${delivery} deliveries: could not store the reply: ${(e as Error).message}`,
        });
        return;
      }
      const delayMs = durable.retryLater(turn.msg);
      report({ type: 'retrying', requestId: id, delayMs, reason: `could not store the reply: ${(e as Error).message}` });
      return;
    }
    settle(() => turn.msg.ack());
    report(
      response.status === 'ok'
        ? { type: 'answered', requestId: id, phase: response.phase, ok: true }
        : { type: 'answered', requestId: id, phase: response.phase, ok: false, code: response.code },
    );
  }

  async function refuse(m: JsMsg, error: FleetError): Promise<void> {
    if (!(await durable.deadLetter(m, error))) return;
    // A requester that can be named is told now rather than left to its timeout.
    const ids = requestIdsIn(m.data);
    const phase = m.subject.split('.').at(-1) as TurnPhase;
    if (ids !== undefined && TURN_PHASES.includes(phase)) {
      const reply = encodeTurnResponse(
        ids.requestId,
        ids.taskId,
        { status: 'error', phase, code: 'INVALID_ARGUMENT', message: `request refused: ${error.message}`, worker },
        Date.now(),
      );
      await publishReply(ids.requestId, reply).catch(() => undefined);
    }
  }

  async function handle(m: JsMsg): Promise<void> {
    let request: TurnRequest;
    try {
      request = decodeTurnRequest(m.subject, m.data, maxPayload(nc));
    } catch (e) {
      await refuse(m, e instanceof FleetError ? e : new FleetError('INVALID_ARGUMENT', String(e)));
      return;
    }
    const id = request.requestId;
    const running = inHand.get(id);
    if (running !== undefined) {
      // Redelivered while still running here (a stalled heartbeat): the running turn answers this delivery.
      running.msg = m;
      report({ type: 'skipped', requestId: id, reason: 'running' });
      return;
    }
    const skip = (reason: 'cancelled' | 'expired' | 'answered'): void => {
      settle(() => m.ack());
      report({ type: 'skipped', requestId: id, reason });
    };
    if (cancelled.has(id)) return skip('cancelled');
    if (Date.now() > request.expiresAtMs + EXPIRY_GRACE_MS) return skip('expired');
    if (m.info.redelivered && (await replyStored(id))) return skip('answered');

    const turn: InHand = { msg: m, controller: new AbortController() };
    inHand.set(id, turn);
    report({ type: 'started', requestId: id, phase: request.phase, role: request.role, delivery: m.info.deliveryCount });
    // The expiry was checked a moment ago; a request that has expired since starts with its deadline
    // already passed (AbortSignal.timeout throws on a negative delay).
    const deadline = AbortSignal.timeout(Math.max(0, Math.min(MAX_TIMER_MS, request.expiresAtMs + EXPIRY_GRACE_MS - Date.now())));
    const signal = AbortSignal.any([turn.controller.signal, deadline]);
    let lastProgress = 0;
    // Text of the updates skipped by the throttle travels with the next one sent: the stream stays whole.
    let unsent = '';
    const ctx: TurnContext = {
      signal,
      onProgress: (p) => {
        unsent += p.text;
        const now = Date.now();
        if (now - lastProgress < progressIntervalMs) return;
        lastProgress = now;
        const text = unsent;
        unsent = '';
        settle(() => nc.publish(progressSubject(id), encodeTurnProgress({ ...p, text })));
      },
    };
    let response: TurnResponse;
    try {
      using _alive = heartbeat(() => turn.msg, ackWaitMs);
      const output = await runTurn(turns, request, ctx);
      response = { status: 'ok', phase: request.phase, output, worker };
    } catch (e) {
      if (turn.controller.signal.reason === STOPPING) {
        settle(() => turn.msg.nak());
        report({ type: 'released', requestId: id });
        return;
      }
      const error = signal.aborted
        ? abortError(signal)
        : e instanceof FleetError
          ? e
          : new FleetError('INTERNAL', e instanceof Error ? e.message : String(e));
      response = { status: 'error', phase: request.phase, code: error.code, message: error.message, worker };
    } finally {
      inHand.delete(id);
    }
    await answer(turn, id, request.task.id, response);
  }

  async function replyStored(id: string): Promise<boolean> {
    const stored = await durable.manager.streams
      .getMessage(STREAM.AGENT_RESPONSES, { last_by_subj: responseSubject(id) })
      .catch(() => null);
    return stored !== null;
  }

  try {
    await durable.start();
  } catch (e) {
    cancels.unsubscribe();
    throw e;
  }

  let stopped: Promise<void> | undefined;
  return {
    stop() {
      stopped ??= (async () => {
        await durable.stop();
        for (const turn of inHand.values()) turn.controller.abort(STOPPING);
        await durable.idle(STOP_ABORT_WAIT_MS);
        // A turn that ignores its signal is let go anyway: its request is another worker's now.
        for (const turn of inHand.values()) settle(() => turn.msg.nak());
        cancels.unsubscribe();
      })();
      return stopped;
    },
  };
}

function runTurn(turns: AgentTurns, r: TurnRequest, ctx: TurnContext): Promise<TurnOutput<unknown>> {
  switch (r.phase) {
    case 'propose':
      return turns.propose(r.agent, r.task, ctx);
    case 'critique':
      return turns.critique(r.agent, r.task, r.target, r.round, ctx);
    case 'revise':
      return turns.revise(r.agent, r.task, r.proposal, r.critique, ctx);
    case 'score':
      return turns.judge(r.task, r.proposal, ctx);
    case 'choose':
      return turns.choose(r.agent, r.task, r.candidates, ctx);
  }
}
