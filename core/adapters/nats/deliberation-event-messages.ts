import type { Deliberation, DeliberationResult } from '../../domain/deliberation.js';
import type { DeliberationEvent } from '../../domain/events.js';
import { renderContent } from '../../domain/proposal.js';
import { clusterChecks } from '../../domain/scoring.js';
import type { EventIds } from './event-envelope.js';
import {
  type CheckSuiteWire,
  type DecisionWire,
  type DeliberationFinishedPayload,
  type DeliberationProgressPayload,
  EVENT_TYPE,
  type KnownEventType,
  type PayloadOf,
} from './event-payloads.js';
import { type FlatEvent, makeFlatEvent } from './fleet-event.js';

/** A deliberation event as it goes on the wire: flat, so the cluster's consumers read it as they read their own. */
export interface EventMessage {
  readonly subject: KnownEventType;
  readonly event: FlatEvent;
  /** Awaited with the stream's acknowledgement (lifecycle and per-agent outcomes), or fire-and-forget (progress). */
  readonly durable: boolean;
}

/**
 * Maps a deliberation event to its subject and flat event. The event id, which is also the message's
 * Nats-Msg-Id, is derived from the event itself, so publishing the same event twice stores it once:
 * once-per-task events are keyed by what happened (`<task>.started`), repeating ones also by time.
 */
export function toEventMessage(event: DeliberationEvent): EventMessage {
  const task_id = event.taskId;
  const story = event.storyId === undefined ? {} : { story_id: event.storyId };
  const message = <T extends KnownEventType>(subject: T, fields: PayloadOf[T], key: string, durable: boolean): EventMessage => {
    const ids: EventIds = { eventId: `${event.taskId}.${key}`, correlationId: event.taskId, occurredAtMs: event.atMs };
    return { subject, event: makeFlatEvent(subject, fields, ids), durable };
  };
  const progress = (fields: Omit<DeliberationProgressPayload, 'task_id' | 'progress_percent'>, key: string): EventMessage =>
    message(
      EVENT_TYPE.DELIBERATION_PROGRESS,
      { task_id, ...story, ...fields, ...(event.progressPercent === undefined ? {} : { progress_percent: event.progressPercent }) },
      key,
      false,
    );
  switch (event.type) {
    case 'status':
      if (event.status === 'IN_PROGRESS')
        return message(EVENT_TYPE.DELIBERATION_STARTED, { task_id, ...story, status: event.status }, 'started', true);
      // The outcome itself is announced by the `finished` event that follows.
      return progress({ kind: 'status', status: event.status }, `status.${event.status}`);
    case 'phase':
      return progress(
        { kind: 'phase', phase: event.phase, ...(event.round === undefined ? {} : { round: event.round }) },
        `phase.${event.phase}${event.round === undefined ? '' : `.${event.round}`}`,
      );
    case 'agent': {
      const key = `agent.${event.agentId}.${event.phase}.${event.state}.${event.atMs}`;
      const tokens = event.tokens === undefined ? {} : { tokens: event.tokens };
      if (event.state === 'done')
        return message(
          EVENT_TYPE.AGENT_RESPONSE_COMPLETED,
          { task_id, ...story, agent_id: event.agentId, phase: event.phase, ...tokens },
          key,
          true,
        );
      return progress(
        {
          kind: 'agent',
          agent_id: event.agentId,
          phase: event.phase,
          state: event.state,
          ...tokens,
          ...(event.tokensPerSecond === undefined ? {} : { tokens_per_second: event.tokensPerSecond }),
        },
        key,
      );
    }
    case 'agent-failed':
      return message(
        EVENT_TYPE.AGENT_RESPONSE_FAILED,
        { task_id, ...story, agent_id: event.agentId, phase: event.phase, code: event.code, message: event.message },
        `agent.${event.agentId}.${event.phase}.failed.${event.atMs}`,
        true,
      );
    case 'scored': {
      const agentId = event.result.proposal.authorId;
      return progress({ kind: 'scored', agent_id: agentId, score: event.result.score.total }, `scored.${agentId}`);
    }
    case 'finished': {
      const type = event.deliberation.status === 'COMPLETED' ? EVENT_TYPE.DELIBERATION_COMPLETED : EVENT_TYPE.DELIBERATION_FAILED;
      return message(type, finishedFields(event.deliberation), 'finished', true);
    }
  }
}

function finishedFields(d: Deliberation): DeliberationFinishedPayload {
  return {
    task_id: d.taskId,
    story_id: d.task.storyId ?? '',
    role: d.role,
    council_id: d.councilId,
    status: d.status,
    ...(d.winnerId === undefined ? {} : { winner_id: d.winnerId }),
    decisions: d.results.map((r) => decisionOf(d, r)),
    failures: d.failures.length,
    ...(d.error === undefined ? {} : { error: d.error }),
    ...(d.durationMs === undefined ? {} : { duration_ms: d.durationMs }),
  };
}

function decisionOf(d: Deliberation, r: DeliberationResult): DecisionWire {
  const agentId = r.proposal.authorId;
  const chosen = agentId === d.winnerId;
  return {
    id: `${d.taskId}:${agentId}`,
    type: chosen ? 'winner' : 'proposal',
    // Why the winner won, when the ARCHITECT chose it; otherwise what the judge said of each.
    rationale: chosen && d.decision !== undefined ? d.decision.rationale : r.judgment.comment,
    proposal: { author: { agent_id: agentId, role: r.proposal.authorRole }, content: renderContent(r.proposal.content) },
    checks: checkSuiteOf(r),
    score: r.score.total,
  };
}

function checkSuiteOf(r: DeliberationResult): CheckSuiteWire {
  const { policy, lint } = clusterChecks(r.checks);
  return {
    policy: { ...policy, violations: [...policy.violations] },
    lint: { passed: lint.passed, error_count: lint.errorCount, warning_count: lint.warningCount, errors: [...lint.errors] },
    additional_checks: r.checks.checks.map((c) => ({ check_type: c.name, passed: c.passed, score: c.score, message: c.detail })),
    all_passed: r.checks.passed,
  };
}
