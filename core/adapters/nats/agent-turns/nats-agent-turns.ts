import { randomUUID } from 'node:crypto';
import { type JetStreamClient, jetstream } from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Agent } from '../../../domain/council.js';
import type { DeliberationResult } from '../../../domain/deliberation.js';
import { abortError, FleetError } from '../../../domain/errors.js';
import type { Critique, Proposal } from '../../../domain/proposal.js';
import type { Task } from '../../../domain/task.js';
import type { AgentTurns, TurnContext, TurnOutput } from '../../../ports/agent-turns.js';
import { maxPayload } from '../connect.js';
import { retryWhileConnected } from '../retry.js';
import { isStoreFull, storeFullError } from '../store-full.js';
import { type ExhaustedRequest, ExhaustedRequests } from './exhausted-requests.js';
import { type CollectedResponse, ResponseCollector } from './response-collector.js';
import { silentLog, type Log } from '../../../ports/log.js';
import {
  type CancelReason,
  decodeTurnProgress,
  decodeTurnResponse,
  encodeTurnCancel,
  encodeTurnRequest,
  type TurnRequest,
  type TurnValues,
} from './turn-messages.js';
import { cancelSubject, progressSubject, requestSubject, turnRequestId, type TurnPhase } from './turn-subjects.js';

export interface NatsAgentTurnsOptions {
  readonly nc: NatsConnection;
  /** How long a turn waits for its reply, queueing on the workers included. Default 10 minutes. */
  readonly turnTimeoutMs?: number;
  /** How long one publish of a request waits for the stream. Default 5000. */
  readonly publishTimeoutMs?: number;
  /** The reply consumer's durable name; unique per instance by default (each collector reads every reply). */
  readonly collectorName?: string;
  readonly onLog?: Log;
}

export interface NatsAgentTurns extends AgentTurns {
  /** Rejects turns still waiting (UNAVAILABLE), tells their workers to stop, removes the reply consumer. */
  close(): Promise<void>;
}

export const DEFAULT_TURN_TIMEOUT_MS = 10 * 60_000;

type Phased<P extends TurnPhase> = Extract<TurnRequest, { phase: P }>;

/**
 * AgentTurns on NATS: each turn is a request on `agent.request.<ROLE>.<phase>` (AGENT_REQUESTS, the
 * deterministic request id as Nats-Msg-Id) that an agent worker answers on
 * `agent.response.turn.<request id>` (AGENT_RESPONSES). The use case does not know the difference.
 * A request that runs out of deliveries (every worker that took it died or stalled) fails its turn
 * with UNAVAILABLE as soon as the server's advisory says so, rather than at the turn's timeout.
 */
export function createNatsAgentTurns(options: NatsAgentTurnsOptions): NatsAgentTurns {
  const { nc } = options;
  const js: JetStreamClient = jetstream(nc);
  const log = options.onLog ?? silentLog;
  const turnTimeoutMs = options.turnTimeoutMs ?? DEFAULT_TURN_TIMEOUT_MS;
  const collectorName = options.collectorName ?? `fleet-turns-${randomUUID().slice(0, 8)}`;
  const active = new Set<(error: FleetError) => void>();
  let collector: Promise<ResponseCollector> | undefined;
  let exhaustedRequests: ExhaustedRequests | undefined;
  let closed = false;

  // Started with the first turn, not at construction: the composition root builds this synchronously.
  function collectorReady(): Promise<ResponseCollector> {
    collector ??= ResponseCollector.start(nc, collectorName, log).catch((e: unknown) => {
      collector = undefined;
      throw e;
    });
    return collector;
  }

  function exhaustedReady(): ExhaustedRequests {
    exhaustedRequests ??= ExhaustedRequests.start(nc, log);
    return exhaustedRequests;
  }

  /** Publishes the request; true when the stream already had it (a retry, or an earlier run of this turn). */
  async function publish(request: TurnRequest, data: Uint8Array, gaveUp: () => boolean): Promise<boolean> {
    const subject = requestSubject(request.role, request.phase);
    if (data.length > maxPayload(nc)) {
      throw new FleetError(
        'FAILED_PRECONDITION',
        `turn request ${request.requestId} is ${data.length} bytes, more than the NATS server's max_payload of ${maxPayload(nc)}`,
      );
    }
    try {
      // Tries three times, 200 ms then 1 s apart.
      const ack = await retryWhileConnected(
        nc,
        () => js.publish(subject, data, { msgID: request.requestId, timeout: options.publishTimeoutMs ?? 5_000 }),
        { attempts: 3, firstDelayMs: 200, factor: 5, abandoned: gaveUp, final: isStoreFull },
      );
      return ack.duplicate;
    } catch (e) {
      if (isStoreFull(e)) throw storeFullError(`turn request ${request.requestId}`, e);
      throw new FleetError('UNAVAILABLE', `could not publish turn request ${request.requestId} to ${subject}: ${(e as Error).message}`, {
        cause: e,
      });
    }
  }

  function cancel(requestId: string, code: CancelReason): void {
    try {
      nc.publish(cancelSubject(requestId), encodeTurnCancel(code));
    } catch {
      // Best effort: the worker also stops at the request's expiry.
    }
  }

  async function turn<P extends TurnPhase>(request: Phased<P>, ctx: TurnContext): Promise<TurnOutput<TurnValues[P]>> {
    if (closed) throw new FleetError('UNAVAILABLE', 'the NATS agent turns are closed');
    if (ctx.signal.aborted) throw abortError(ctx.signal);
    const ready = await collectorReady();
    const exhausted = exhaustedReady();
    if (ctx.signal.aborted) throw abortError(ctx.signal);
    // Closed while the collector was awaited: close() gave up on the turns waiting then, not this one.
    if (closed) throw new FleetError('UNAVAILABLE', 'the NATS agent turns are closed');
    const id = request.requestId;

    return new Promise<TurnOutput<TurnValues[P]>>((resolve, reject) => {
      let settled = false;
      let progress: Subscription | undefined;
      const cleanup = (): void => {
        settled = true;
        clearTimeout(timer);
        ctx.signal.removeEventListener('abort', onAbort);
        stopWaiting();
        stopWatching();
        progress?.unsubscribe();
        active.delete(giveUp);
      };
      const succeed = (out: TurnOutput<TurnValues[P]>): void => {
        if (settled) return;
        cleanup();
        resolve(out);
      };
      const fail = (error: FleetError): void => {
        if (settled) return;
        cleanup();
        reject(error);
      };
      // The requester stops waiting: the worker is told, so the generation stops too.
      function giveUp(error: FleetError): void {
        if (settled) return;
        cancel(id, error.code === 'DEADLINE_EXCEEDED' ? 'DEADLINE_EXCEEDED' : 'CANCELLED');
        fail(error);
      }
      const onAbort = (): void => giveUp(abortError(ctx.signal));

      const stopWaiting = ready.expect(id, (reply: CollectedResponse) => {
        const out = decodeTurnResponse(reply.subject, reply.data, id, request.phase, maxPayload(nc));
        if (out instanceof FleetError) fail(out);
        else succeed(out);
      });
      // No worker will be offered the request again: waiting out the timeout would only hide that.
      const stopWatching = exhausted.expect(id, (x: ExhaustedRequest) => {
        if (settled) return;
        // A reply stored just before the advisory may not have reached the collector yet; it wins.
        void ready
          .lookup(id)
          .catch(() => undefined)
          .then(() => giveUp(exhaustedError(request, x)));
      });
      const timer = setTimeout(
        () =>
          giveUp(
            new FleetError(
              'DEADLINE_EXCEEDED',
              `no reply to turn ${id} within ${turnTimeoutMs} ms (is an agent worker for ${request.role} running?)`,
            ),
          ),
        turnTimeoutMs,
      );
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      active.add(giveUp);
      const onProgress = ctx.onProgress;
      if (onProgress !== undefined) {
        try {
          progress = nc.subscribe(progressSubject(id), {
            callback: (err, msg) => {
              const p = err === null ? decodeTurnProgress(msg.data) : undefined;
              if (p !== undefined && !settled) onProgress(p);
            },
          });
        } catch (e) {
          fail(new FleetError('UNAVAILABLE', `cannot follow the progress of turn ${id}: ${(e as Error).message}`, { cause: e }));
          return;
        }
      }

      const now = Date.now();
      const data = encodeTurnRequest({ ...request, expiresAtMs: now + turnTimeoutMs }, now);
      publish(request, data, () => settled).then(
        async (duplicate) => {
          if (duplicate && !settled) await ready.lookup(id);
        },
        (e: unknown) => fail(e instanceof FleetError ? e : new FleetError('UNAVAILABLE', String(e))),
      );
    });
  }

  const head = (
    ctx: TurnContext,
    task: Task,
    phase: TurnPhase,
    role: Agent['role'],
    agentId: string,
    round?: number,
    subject?: string,
  ) => ({
    requestId: turnRequestId({
      taskId: task.id,
      ...(ctx.attempt === undefined ? {} : { attempt: ctx.attempt }),
      phase,
      agentId,
      ...(round === undefined ? {} : { round }),
      ...(subject === undefined ? {} : { subject }),
    }),
    role,
    task,
    // Set when it is sent.
    expiresAtMs: 0,
  });

  return {
    propose: (agent: Agent, task: Task, ctx: TurnContext) =>
      turn({ ...head(ctx, task, 'propose', agent.role, agent.id), phase: 'propose', agent }, ctx),

    critique: (reviewer: Agent, task: Task, target: Proposal, round: number, ctx: TurnContext) =>
      turn(
        {
          ...head(ctx, task, 'critique', reviewer.role, reviewer.id, round, target.authorId),
          phase: 'critique',
          agent: reviewer,
          round,
          target,
        },
        ctx,
      ),

    revise: (author: Agent, task: Task, proposal: Proposal, critique: Critique, ctx: TurnContext) =>
      turn(
        { ...head(ctx, task, 'revise', author.role, author.id, critique.round), phase: 'revise', agent: author, proposal, critique },
        ctx,
      ),

    // The judge is impartial, not an agent of the council: it runs on the task role's workers.
    judge: (task: Task, proposal: Proposal, ctx: TurnContext) =>
      turn({ ...head(ctx, task, 'score', task.role, 'judge', undefined, proposal.authorId), phase: 'score', proposal }, ctx),

    choose: (architect: Agent, task: Task, candidates: readonly DeliberationResult[], ctx: TurnContext) =>
      turn({ ...head(ctx, task, 'choose', architect.role, architect.id), phase: 'choose', agent: architect, candidates }, ctx),

    async close() {
      if (closed) return;
      closed = true;
      for (const giveUp of [...active]) giveUp(new FleetError('UNAVAILABLE', 'the NATS agent turns were closed while the turn waited'));
      exhaustedRequests?.stop();
      if (collector !== undefined) await (await collector.catch(() => undefined))?.close();
    },
  };
}

function exhaustedError(request: TurnRequest, x: ExhaustedRequest): FleetError {
  const who = request.phase === 'score' ? `the judge of ${request.proposal.authorId}'s proposal` : request.agent.id;
  return new FleetError(
    'UNAVAILABLE',
    `no worker completed ${request.phase} for ${who} after ${x.deliveries} deliveries (the ${request.role} workers crashed or stalled on it); ` +
      `see the logs of the workers on consumer ${x.consumer} for turn ${x.requestId}`,
  );
}
