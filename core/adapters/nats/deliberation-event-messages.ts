import type { Deliberation } from '../../domain/deliberation.js';
import type { DeliberationEvent } from '../../domain/events.js';
import { type EventEnvelope, makeEnvelope } from './event-envelope.js';
import { EVENT_TYPE, type DeliberationFinishedPayload } from './event-payloads.js';

/** A deliberation event as it goes on the wire. */
export interface EventMessage {
  readonly subject: string;
  readonly envelope: EventEnvelope;
  /** Awaited with the stream's acknowledgement (lifecycle and per-agent outcomes), or fire-and-forget (progress). */
  readonly durable: boolean;
}

/**
 * Maps a deliberation event to its subject and envelope. The event id, which is also the message's
 * Nats-Msg-Id, is derived from the event itself, so publishing the same event twice stores it once:
 * once-per-task events are keyed by what happened (`<task>.started`), repeating ones also by time.
 */
export function toEventMessage(event: DeliberationEvent): EventMessage {
  const ids = (suffix: string): { eventId: string; correlationId: string; occurredAtMs: number } => ({
    eventId: `${event.taskId}.${suffix}`,
    correlationId: event.taskId,
    occurredAtMs: event.atMs,
  });
  const task_id = event.taskId;
  switch (event.type) {
    case 'status':
      if (event.status === 'IN_PROGRESS') {
        const type = EVENT_TYPE.DELIBERATION_STARTED;
        return { subject: type, durable: true, envelope: makeEnvelope(type, { task_id, status: event.status }, ids('started')) };
      }
      // The outcome itself is announced by the `finished` event that follows.
      return progress(makeEnvelope(EVENT_TYPE.DELIBERATION_PROGRESS, { task_id, kind: 'status', status: event.status }, ids(`status.${event.status}`)));
    case 'phase': {
      const round = event.round === undefined ? {} : { round: event.round };
      const key = `phase.${event.phase}${event.round === undefined ? '' : `.${event.round}`}`;
      return progress(makeEnvelope(EVENT_TYPE.DELIBERATION_PROGRESS, { task_id, kind: 'phase', phase: event.phase, ...round }, ids(key)));
    }
    case 'agent': {
      const key = `agent.${event.agentId}.${event.phase}.${event.state}.${event.atMs}`;
      if (event.state === 'done') {
        const type = EVENT_TYPE.AGENT_RESPONSE_COMPLETED;
        const tokens = event.tokens === undefined ? {} : { tokens: event.tokens };
        return { subject: type, durable: true, envelope: makeEnvelope(type, { task_id, agent_id: event.agentId, phase: event.phase, ...tokens }, ids(key)) };
      }
      return progress(
        makeEnvelope(
          EVENT_TYPE.DELIBERATION_PROGRESS,
          {
            task_id,
            kind: 'agent',
            agent_id: event.agentId,
            phase: event.phase,
            state: event.state,
            ...(event.tokens === undefined ? {} : { tokens: event.tokens }),
            ...(event.tokensPerSecond === undefined ? {} : { tokens_per_second: event.tokensPerSecond }),
          },
          ids(key),
        ),
      );
    }
    case 'agent-failed': {
      const type = EVENT_TYPE.AGENT_RESPONSE_FAILED;
      const payload = { task_id, agent_id: event.agentId, phase: event.phase, code: event.code, message: event.message };
      return { subject: type, durable: true, envelope: makeEnvelope(type, payload, ids(`agent.${event.agentId}.${event.phase}.failed.${event.atMs}`)) };
    }
    case 'finished': {
      const type = event.deliberation.status === 'COMPLETED' ? EVENT_TYPE.DELIBERATION_COMPLETED : EVENT_TYPE.DELIBERATION_FAILED;
      return { subject: type, durable: true, envelope: makeEnvelope(type, finishedPayload(event.deliberation), ids('finished')) };
    }
  }
}

const progress = (envelope: EventEnvelope): EventMessage => ({ subject: envelope.type, envelope, durable: false });

function finishedPayload(d: Deliberation): DeliberationFinishedPayload {
  return {
    task_id: d.taskId,
    role: d.role,
    council_id: d.councilId,
    status: d.status,
    ...(d.winnerId === undefined ? {} : { winner_id: d.winnerId }),
    ranking: d.results.map((r) => ({ agent_id: r.proposal.authorId, rank: r.rank, score: r.score.total })),
    failures: d.failures.length,
    ...(d.error === undefined ? {} : { error: d.error }),
    ...(d.durationMs === undefined ? {} : { duration_ms: d.durationMs }),
  };
}
