import {
  DeliberationStatus as ProtoStatus,
  DeliberationUpdate,
  UpdateType,
  type AgentFailure as ProtoAgentFailure,
  type CouncilInfo,
  type DeliberateResponse,
  type DeliberationResult as ProtoResult,
  type GetDeliberationResultResponse,
  type GetMetricsResponse,
  type GetStatusResponse,
  type OrchestrateResponse,
  type Proposal as ProtoProposal,
  type ProposalContent as ProtoContent,
} from '../../../proto/gen/fleet/orchestrator/v1/orchestrator.js';
import type { Council } from '../../domain/council.js';
import type { AgentFailure, Deliberation, DeliberationResult, DeliberationStatus } from '../../domain/deliberation.js';
import type { DeliberationEvent } from '../../domain/events.js';
import { renderContent, type Proposal, type ProposalContent } from '../../domain/proposal.js';
import type { ServiceMetrics, ServiceStatus } from '../../ports/fleet-service.js';

const PROTO_STATUS: Readonly<Record<DeliberationStatus, ProtoStatus>> = {
  PENDING: ProtoStatus.DELIBERATION_STATUS_PENDING,
  IN_PROGRESS: ProtoStatus.DELIBERATION_STATUS_IN_PROGRESS,
  COMPLETED: ProtoStatus.DELIBERATION_STATUS_COMPLETED,
  FAILED: ProtoStatus.DELIBERATION_STATUS_FAILED,
  TIMEOUT: ProtoStatus.DELIBERATION_STATUS_TIMEOUT,
  CANCELLED: ProtoStatus.DELIBERATION_STATUS_CANCELLED,
};

const toProtoStatus = (status: DeliberationStatus): ProtoStatus => PROTO_STATUS[status];

export function toDeliberateResponse(d: Deliberation): DeliberateResponse {
  return {
    taskId: d.taskId,
    results: ranked(d).map(toResult),
    winnerId: d.winnerId ?? '',
    durationMs: d.durationMs ?? 0,
    metadata: metadataOf(d),
    status: toProtoStatus(d.status),
    failures: d.failures.map(toFailure),
    errorMessage: d.error ?? '',
  };
}

export function toGetDeliberationResultResponse(d: Deliberation): GetDeliberationResultResponse {
  return {
    taskId: d.taskId,
    status: toProtoStatus(d.status),
    results: ranked(d).map(toResult),
    winnerId: d.winnerId ?? '',
    durationMs: d.durationMs ?? 0,
    errorMessage: d.error ?? '',
    metadata: metadataOf(d),
    failures: d.failures.map(toFailure),
    currentPhase: d.currentPhase ?? '',
  };
}

export function toOrchestrateResponse(d: Deliberation): OrchestrateResponse {
  const results = ranked(d);
  const chosenId = d.decision?.chosenId ?? '';
  // Without a decision (the ARCHITECT's turn failed) the best ranked stands in as the winner.
  const winnerId = chosenId === '' ? d.winnerId : chosenId;
  const chosen = results.find((r) => r.proposal.authorId === winnerId);
  return {
    winner: chosen === undefined ? undefined : toResult(chosen),
    candidates: results.map(toResult),
    taskId: d.taskId,
    durationMs: d.durationMs ?? 0,
    metadata: metadataOf(d),
    winnerId: d.winnerId ?? '',
    chosenId,
    rationale: d.decision?.rationale ?? '',
    status: toProtoStatus(d.status),
    failures: d.failures.map(toFailure),
    errorMessage: d.error ?? '',
  };
}

/** The last update of a stream, from the deliberation as it ended. */
export function toFinishedUpdate(d: Deliberation, atMs: number): DeliberationUpdate {
  return DeliberationUpdate.fromPartial({
    taskId: d.taskId,
    type: UpdateType.UPDATE_TYPE_FINISHED,
    status: toProtoStatus(d.status),
    message: d.error ?? '',
    atMs,
    result: toDeliberateResponse(d),
  });
}

export function toUpdate(event: DeliberationEvent): DeliberationUpdate {
  const base = { taskId: event.taskId, atMs: event.atMs };
  switch (event.type) {
    case 'status':
      return DeliberationUpdate.fromPartial({ ...base, type: UpdateType.UPDATE_TYPE_STATUS, status: toProtoStatus(event.status) });
    case 'phase':
      return DeliberationUpdate.fromPartial({ ...base, type: UpdateType.UPDATE_TYPE_PHASE, phase: event.phase, round: event.round });
    case 'agent':
      return DeliberationUpdate.fromPartial({
        ...base,
        type: UpdateType.UPDATE_TYPE_AGENT,
        agentId: event.agentId,
        phase: event.phase,
        state: event.state,
        tokens: event.tokens ?? 0,
        tokensPerSecond: event.tokensPerSecond ?? 0,
      });
    case 'agent-failed':
      return DeliberationUpdate.fromPartial({
        ...base,
        type: UpdateType.UPDATE_TYPE_AGENT_FAILED,
        agentId: event.agentId,
        phase: event.phase,
        code: event.code,
        message: event.message,
      });
    case 'finished':
      return toFinishedUpdate(event.deliberation, event.atMs);
  }
}

export function toCouncilInfo(council: Council, includeAgents: boolean): CouncilInfo {
  return {
    councilId: council.id,
    role: council.role,
    numAgents: council.agents.length,
    // No per-agent load is tracked here: every stored council and agent can take work.
    agents: includeAgents
      ? council.agents.map((a) => ({ agentId: a.id, role: a.role, status: 'ready', perspective: a.perspective }))
      : [],
    status: 'active',
    model: council.model,
    rounds: council.rounds,
    peerReview: council.peerReview,
    createdAtMs: council.createdAtMs,
  };
}

export function toStatusResponse(status: ServiceStatus, metrics: ServiceMetrics | undefined): GetStatusResponse {
  return {
    status: status.status,
    uptimeSeconds: Math.floor(status.uptimeSeconds),
    model: status.model,
    stats:
      metrics === undefined
        ? undefined
        : {
            totalDeliberations: metrics.deliberationsTotal,
            avgDeliberationTimeMs: metrics.averageDurationMs,
            activeCouncils: status.councils,
            activeDeliberations: status.deliberations.active,
            completedDeliberations: status.deliberations.completed,
            failedDeliberations: status.deliberations.failed,
          },
  };
}

export const toMetricsResponse = (m: ServiceMetrics): GetMetricsResponse => ({
  deliberationsTotal: m.deliberationsTotal,
  deliberationsCompleted: m.deliberationsCompleted,
  deliberationsFailed: m.deliberationsFailed,
  agentTurnsTotal: m.agentTurnsTotal,
  agentFailuresTotal: m.agentFailuresTotal,
  completionTokensTotal: m.completionTokensTotal,
  averageDurationMs: m.averageDurationMs,
});

const ranked = (d: Deliberation): DeliberationResult[] => [...d.results].sort((a, b) => a.rank - b.rank);

function metadataOf(d: Deliberation): Record<string, string> {
  return {
    model: d.model,
    council_id: d.councilId,
    role: d.role,
    rounds: String(d.rounds),
    num_agents: String(d.agents.length),
    status: d.status,
    failures: String(d.failures.length),
  };
}

function toResult(r: DeliberationResult): ProtoResult {
  return {
    proposal: toProposal(r.proposal),
    checks: {
      checks: r.checks.checks.map((c) => ({ name: c.name, passed: c.passed, score: c.score, detail: c.detail })),
      allPassed: r.checks.passed,
      score: r.checks.score,
      requirementCoverage: r.checks.requirementCoverage,
    },
    score: r.score.total,
    rank: r.rank,
    rubricScore: r.score.rubric,
    checksScore: r.score.checks,
    criteria: r.judgment.criteria.map((c) => ({ name: c.name, score: c.score, repaired: c.repaired ?? '' })),
    judgeComment: r.judgment.comment,
  };
}

function toProposal(p: Proposal): ProtoProposal {
  return {
    authorId: p.authorId,
    authorRole: p.authorRole,
    content: renderContent(p.content),
    createdAtMs: p.createdAtMs,
    revisions: p.revisions.map((r) => renderContent(r.content)),
    revisionHistory: p.revisions.map((r) => ({
      round: r.round,
      content: renderContent(r.content),
      critique: { reviewerId: r.critique.reviewerId, feedback: r.critique.feedback, issues: [...r.critique.issues] },
      createdAtMs: r.createdAtMs,
    })),
    structured: toContent(p.content),
  };
}

const toContent = (c: ProposalContent): ProtoContent => ({
  summary: c.summary,
  approach: c.approach,
  risks: c.risks,
  requirements: [...c.requirements],
});

const toFailure = (f: AgentFailure): ProtoAgentFailure => ({
  agentId: f.agentId,
  phase: f.phase,
  code: f.code,
  message: f.message,
  round: f.round,
  atMs: f.atMs,
});
