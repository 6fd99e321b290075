import type { Deliberation } from '../../core/domain/deliberation.js';
import { renderContent } from '../../core/domain/proposal.js';

/** `--json` output: the deliberation as one object with the proto's snake_case field names. */
export function deliberationJson(d: Deliberation): Record<string, unknown> {
  return {
    task_id: d.taskId,
    council_id: d.councilId,
    role: d.role,
    status: d.status,
    model: d.model,
    winner_id: d.winnerId ?? null,
    duration_ms: d.durationMs ?? null,
    error_message: d.error ?? null,
    task: {
      description: d.task.description,
      rubric: d.task.constraints.rubric,
      requirements: d.task.constraints.requirements,
    },
    results: d.results.map((r) => ({
      rank: r.rank,
      score: r.score.total,
      score_breakdown: { rubric: r.score.rubric, checks: r.score.checks },
      proposal: {
        author_id: r.proposal.authorId,
        author_role: r.proposal.authorRole,
        content: renderContent(r.proposal.content),
        created_at_ms: r.proposal.createdAtMs,
        // As in the proto: each revision's text, and the structured history beside it.
        revisions: r.proposal.revisions.map((v) => renderContent(v.content)),
        revision_history: r.proposal.revisions.map((v) => ({
          round: v.round,
          content: renderContent(v.content),
          critique: { reviewer_id: v.critique.reviewerId, feedback: v.critique.feedback, issues: v.critique.issues },
          created_at_ms: v.createdAtMs,
        })),
      },
      checks: {
        all_passed: r.checks.passed,
        score: r.checks.score,
        requirement_coverage: r.checks.requirementCoverage,
        checks: r.checks.checks.map((c) => ({ name: c.name, passed: c.passed, score: c.score, detail: c.detail })),
      },
      rubric: r.judgment.criteria.map((c) => ({ name: c.name, score: c.score, ...(c.repaired === undefined ? {} : { repaired: c.repaired }) })),
      judge_comment: r.judgment.comment,
    })),
    decision:
      d.decision === undefined ? null : { chosen_id: d.decision.chosenId, rationale: d.decision.rationale, candidates: d.decision.candidates },
    failures: d.failures.map((f) => ({ agent_id: f.agentId, phase: f.phase, round: f.round ?? null, code: f.code, message: f.message })),
    timings: d.timings.map((t) => ({ phase: t.phase, round: t.round ?? null, duration_ms: t.finishedAtMs - t.startedAtMs })),
  };
}
