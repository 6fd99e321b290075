import { type DeepPartial, DeliberationUpdate, UpdateType } from '../../../proto/gen/fleet/orchestrator/v1/orchestrator.js';
import type { Deliberation, DeliberationStatus, Phase } from '../../domain/deliberation.js';
import type { DeliberationEvent } from '../../domain/events.js';
import { type ServerFacts, toDeliberateResponse, toProtoStatus, toResult } from './response-mapping.js';

// The cluster's words for where a deliberation is (DeliberationUpdate.status).
const PHASE_STATUS: Readonly<Record<Phase, string>> = {
  propose: 'generating',
  critique: 'reviewing',
  revise: 'reviewing',
  score: 'scoring',
  rank: 'scoring',
  choose: 'selecting',
};
const ENDED_STATUS: Readonly<Record<DeliberationStatus, string>> = {
  PENDING: 'pending',
  IN_PROGRESS: 'generating',
  COMPLETED: 'complete',
  FAILED: 'failed',
  TIMEOUT: 'timeout',
  CANCELLED: 'cancelled',
};

const stepOf = (phase: Phase, round?: number): string => (round === undefined ? phase : `${phase} ${round}`);

/**
 * Maps one stream's events to updates. It remembers the last phase, so every update says where the
 * deliberation is (status, current_step) and how far along (progress_percent never goes back), as the
 * cluster's updates do, whatever the event itself is about.
 */
export function deliberationUpdates(facts: ServerFacts): {
  update(event: DeliberationEvent): DeliberationUpdate;
  finished(d: Deliberation, atMs: number): DeliberationUpdate;
} {
  let step = '';
  let status = ENDED_STATUS.PENDING;
  let progress = 0;

  // Called after status and step are updated for the event, so the update says where it now is.
  const make = (
    event: { taskId: string; atMs: number; progressPercent?: number },
    fields: DeepPartial<DeliberationUpdate>,
  ): DeliberationUpdate => {
    progress = Math.max(progress, event.progressPercent ?? 0);
    return DeliberationUpdate.fromPartial({
      taskId: event.taskId,
      atMs: event.atMs,
      status,
      progressPercent: progress,
      currentStep: step,
      ...fields,
    });
  };

  const finished = (d: Deliberation, atMs: number): DeliberationUpdate => {
    status = ENDED_STATUS[d.status];
    const result = toDeliberateResponse(d, facts);
    return make(
      { taskId: d.taskId, atMs, progressPercent: 100 },
      {
        type: UpdateType.UPDATE_TYPE_FINISHED,
        deliberationStatus: toProtoStatus(d.status),
        message: d.error ?? '',
        currentAgent: d.winnerId ?? '',
        partialResult: result.results.find((r) => r.proposal?.authorId === d.winnerId),
        result,
      },
    );
  };

  const update = (event: DeliberationEvent): DeliberationUpdate => {
    switch (event.type) {
      case 'status':
        status = ENDED_STATUS[event.status];
        return make(event, {
          type: UpdateType.UPDATE_TYPE_STATUS,
          deliberationStatus: toProtoStatus(event.status),
        });
      case 'phase':
        status = PHASE_STATUS[event.phase];
        step = stepOf(event.phase, event.round);
        return make(event, {
          type: UpdateType.UPDATE_TYPE_PHASE,
          phase: event.phase,
          round: event.round,
        });
      case 'agent':
        return make(event, {
          type: UpdateType.UPDATE_TYPE_AGENT,
          currentAgent: event.agentId,
          phase: event.phase,
          state: event.state,
          tokens: event.tokens ?? 0,
          tokensPerSecond: event.tokensPerSecond ?? 0,
          text: event.text ?? '',
        });
      case 'agent-failed':
        return make(event, {
          type: UpdateType.UPDATE_TYPE_AGENT_FAILED,
          currentAgent: event.agentId,
          phase: event.phase,
          code: event.code,
          message: event.message,
        });
      case 'scored':
        return make(event, {
          type: UpdateType.UPDATE_TYPE_SCORED,
          currentAgent: event.result.proposal.authorId,
          partialResult: toResult(event.result),
        });
      case 'finished':
        return finished(event.deliberation, event.atMs);
    }
  };

  return { update, finished };
}
