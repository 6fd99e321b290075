import {
  DeliberationStatus as ProtoStatus,
  GetDeliberationResultResponse as GetResultMessage,
  type AgentFailure as ProtoAgentFailure,
  type CheckSuite as ProtoCheckSuite,
  type CouncilInfo,
  type DeliberateResponse,
  type DeliberationDetail,
  type DeliberationResult as ProtoResult,
  type GetDeliberationResultResponse,
  type GetMetricsResponse,
  type GetStatusResponse,
  type OrchestrateResponse,
  type OrchestratorMetadata,
  type Proposal as ProtoProposal,
} from '../../../proto/gen/fleet/orchestrator/v1/orchestrator.js';
import type { Council } from '../../domain/council.js';
import {
  type AgentFailure,
  attemptOf,
  type Deliberation,
  type DeliberationResult,
  type DeliberationStatus,
} from '../../domain/deliberation.js';
import { renderContent, type Proposal } from '../../domain/proposal.js';
import { type CheckSuite, clusterChecks } from '../../domain/scoring.js';
import type { ServiceMetrics, ServiceStatus } from '../../ports/status-service.js';

// Domain → wire, once: every answer that carries a deliberation is built from these pieces, and the
// CLI's --json is the same message in JSON.

/** What every answer says about the daemon that made it. */
export interface ServerFacts {
  /** The daemon's version, reported as the cluster's orchestrator_version. */
  readonly version: string;
  readonly now: () => number;
}

const PROTO_STATUS: Readonly<Record<DeliberationStatus, ProtoStatus>> = {
  PENDING: ProtoStatus.DELIBERATION_STATUS_PENDING,
  IN_PROGRESS: ProtoStatus.DELIBERATION_STATUS_IN_PROGRESS,
  COMPLETED: ProtoStatus.DELIBERATION_STATUS_COMPLETED,
  FAILED: ProtoStatus.DELIBERATION_STATUS_FAILED,
  TIMEOUT: ProtoStatus.DELIBERATION_STATUS_TIMEOUT,
  CANCELLED: ProtoStatus.DELIBERATION_STATUS_CANCELLED,
};

export const toProtoStatus = (status: DeliberationStatus): ProtoStatus => PROTO_STATUS[status];

export function toDeliberateResponse(d: Deliberation, facts: ServerFacts): DeliberateResponse {
  return {
    taskId: d.taskId,
    results: ranked(d).map(toResult),
    winnerId: d.winnerId ?? '',
    durationMs: d.durationMs ?? 0,
    metadata: metadataOf(d, facts),
    status: toProtoStatus(d.status),
    errorMessage: d.error ?? '',
    detail: detailOf(d),
  };
}

export function toGetDeliberationResultResponse(d: Deliberation, facts: ServerFacts): GetDeliberationResultResponse {
  const { taskId, status, results, winnerId, durationMs, errorMessage, metadata, detail } = toDeliberateResponse(d, facts);
  return { taskId, status, results, winnerId, durationMs, errorMessage, metadata, detail };
}

/** The same answer in JSON, every field present and named as the .proto names it (snake_case). */
export const toDeliberationJson = (d: Deliberation, facts: ServerFacts): unknown =>
  GetResultMessage.toJSON(toGetDeliberationResultResponse(d, facts));

export function toOrchestrateResponse(d: Deliberation, facts: ServerFacts): OrchestrateResponse {
  const results = ranked(d).map(toResult);
  const winnerId = d.decision?.chosenId ?? d.winnerId;
  return {
    // The ARCHITECT's choice; without one (not orchestrated, or it did not choose), the best ranked.
    winner: results.find((r) => r.proposal?.authorId === winnerId),
    candidates: results,
    executionId: d.taskId,
    durationMs: d.durationMs ?? 0,
    metadata: metadataOf(d, facts),
    status: toProtoStatus(d.status),
    errorMessage: d.error ?? '',
    detail: detailOf(d),
  };
}

export function toCouncilInfo(council: Council, includeAgents: boolean, busy: boolean): CouncilInfo {
  return {
    councilId: council.id,
    role: council.role,
    numAgents: council.agents.length,
    agents: includeAgents
      ? council.agents.map((a) => ({
          agentId: a.id,
          role: a.role,
          status: busy ? 'busy' : 'ready',
          capabilities: undefined,
          perspective: a.perspective,
        }))
      : [],
    status: busy ? 'busy' : 'idle',
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
            totalDeliberations: metrics.deliberations.total,
            totalOrchestrations: metrics.deliberations.orchestrations,
            avgDeliberationTimeMs: metrics.latencyMs.avgDeliberation,
            activeCouncils: status.councils,
            roleCounts: { ...metrics.deliberations.byRole },
            runningDeliberations: metrics.deliberations.running,
            completedDeliberations: metrics.deliberations.completed,
            failedDeliberations: metrics.deliberations.failed,
          },
  };
}

export type MetricKind = 'performance' | 'agents' | 'councils';

export function toMetricsResponse(m: ServiceMetrics, only?: MetricKind): GetMetricsResponse {
  const wanted = (kind: MetricKind): boolean => only === undefined || only === kind;
  return {
    performance: wanted('performance')
      ? {
          avgDeliberationMs: m.latencyMs.avgDeliberation,
          avgOrchestrationMs: m.latencyMs.avgOrchestration,
          p50LatencyMs: m.latencyMs.p50,
          p95LatencyMs: m.latencyMs.p95,
          p99LatencyMs: m.latencyMs.p99,
          deliberationsTotal: m.deliberations.total,
          deliberationsCompleted: m.deliberations.completed,
          deliberationsFailed: m.deliberations.failed,
          deliberationsRunning: m.deliberations.running,
        }
      : undefined,
    agents: wanted('agents')
      ? {
          totalAgents: m.agents.total,
          activeAgents: m.agents.active,
          agentsPerRole: { ...m.agents.byRole },
          avgAgentResponseTimeMs: m.agents.avgTurnMs,
          turnsTotal: m.agents.turns,
          turnsFailed: m.agents.failedTurns,
          completionTokensTotal: m.agents.completionTokens,
        }
      : undefined,
    councils: wanted('councils')
      ? {
          totalCouncils: m.councils.length,
          activeCouncils: m.councils.filter((c) => c.status === 'busy').length,
          healthPerCouncil: Object.fromEntries(
            m.councils.map((c) => [
              c.councilId,
              { status: c.status, availableAgents: c.availableAgents, busyAgents: c.busyAgents, successRate: c.successRate },
            ]),
          ),
        }
      : undefined,
  };
}

const ranked = (d: Deliberation): DeliberationResult[] => [...d.results].sort((a, b) => a.rank - b.rank);

function metadataOf(d: Deliberation, facts: ServerFacts): OrchestratorMetadata {
  return {
    orchestratorVersion: facts.version,
    timestampMs: d.finishedAtMs ?? facts.now(),
    executionId: d.taskId,
    tags: {
      model: d.model,
      council_id: d.councilId,
      role: d.role,
      rounds: String(d.rounds),
      num_agents: String(d.agents.length),
      status: d.status,
      failures: String(d.failures.length),
    },
  };
}

function detailOf(d: Deliberation): DeliberationDetail {
  return {
    councilId: d.councilId,
    role: d.role,
    model: d.model,
    rounds: d.rounds,
    failures: d.failures.map(toFailure),
    currentPhase: d.currentPhase ?? '',
    timings: d.timings.map((t) => ({
      phase: t.phase,
      round: t.round,
      startedAtMs: t.startedAtMs,
      durationMs: t.finishedAtMs - t.startedAtMs,
    })),
    decision:
      d.decision === undefined
        ? undefined
        : { chosenId: d.decision.chosenId, rationale: d.decision.rationale, candidates: [...d.decision.candidates] },
    task: {
      description: d.task.description,
      rubric: [...d.task.constraints.rubric],
      requirements: [...d.task.constraints.requirements],
      storyId: d.task.storyId ?? '',
      planId: d.task.planId ?? '',
      contextVersion: d.task.context?.version ?? '',
    },
    createdAtMs: d.createdAtMs,
    orchestrated: d.orchestrated === true,
    attempt: attemptOf(d),
    earlierAttempts: (d.earlierAttempts ?? []).map((a) => ({
      attempt: a.attempt,
      status: toProtoStatus(a.status),
      errorMessage: a.error ?? '',
      createdAtMs: a.createdAtMs,
      finishedAtMs: a.finishedAtMs ?? 0,
    })),
  };
}

export function toResult(r: DeliberationResult): ProtoResult {
  return {
    proposal: toProposal(r.proposal),
    checks: toCheckSuite(r.checks),
    score: r.score.total,
    rank: r.rank,
    rubricScore: r.score.rubric,
    checksScore: r.score.checks,
    criteria: r.judgment.criteria.map((c) => ({ name: c.name, score: c.score, repaired: c.repaired ?? '' })),
    judgeComment: r.judgment.comment,
  };
}

function toCheckSuite(suite: CheckSuite): ProtoCheckSuite {
  const { policy, lint } = clusterChecks(suite);
  return {
    policy: { ...policy, violations: [...policy.violations] },
    lint: { ...lint, errors: [...lint.errors] },
    dryrun: undefined,
    additionalChecks: suite.checks.map((c) => ({
      checkType: c.name,
      passed: c.passed,
      score: c.score,
      message: c.detail,
      details: { kind: c.kind, ...(c.violations.length === 0 ? {} : { violations: c.violations.join('\n') }) },
    })),
    allPassed: suite.passed,
    score: suite.score,
    requirementCoverage: suite.requirementCoverage,
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
    structured: { ...p.content, requirements: [...p.content.requirements] },
    original: renderContent(p.original),
  };
}

const toFailure = (f: AgentFailure): ProtoAgentFailure => ({
  agentId: f.agentId,
  phase: f.phase,
  code: f.code,
  message: f.message,
  round: f.round,
  atMs: f.atMs,
});
