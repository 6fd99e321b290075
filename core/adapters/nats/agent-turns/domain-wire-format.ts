import { z } from 'zod';
import type { Agent } from '../../../domain/council.js';
import type { DeliberationResult } from '../../../domain/deliberation.js';
import type { Critique, Proposal, ProposalContent, Revision } from '../../../domain/proposal.js';
import { ROLES } from '../../../domain/role.js';
import type { CheckSuite, RubricJudgment, Score } from '../../../domain/scoring.js';
import type { Task } from '../../../domain/task.js';

// The domain values a turn needs, as they travel: snake_case JSON, every field kept, so the worker's
// AgentTurns sees exactly what the orchestrator's would have. Each schema parses straight into the
// domain type; the matching `*Wire` function writes it.

const id = z.string().min(1).max(256);
const text = z.string();
const int = z.number().int();
const count = int.nonnegative();
const ms = z.number().nonnegative();
const role = z.enum(ROLES);
const strings = z.array(text);

export const agentWire = z
  .object({ id, role, perspective: text })
  .transform((a): Agent => ({ id: a.id, role: a.role, perspective: a.perspective }));
export const toAgentWire = (a: Agent) => ({ id: a.id, role: a.role, perspective: a.perspective });

export const taskWire = z
  .object({
    id,
    description: text,
    role,
    constraints: z.object({ rubric: strings, requirements: strings, timeout_ms: count, max_tokens: count }),
  })
  .transform((t): Task => ({
    id: t.id,
    description: t.description,
    role: t.role,
    constraints: {
      rubric: t.constraints.rubric,
      requirements: t.constraints.requirements,
      timeoutMs: t.constraints.timeout_ms,
      maxTokens: t.constraints.max_tokens,
    },
  }));
export const toTaskWire = (t: Task) => ({
  id: t.id,
  description: t.description,
  role: t.role,
  constraints: {
    rubric: t.constraints.rubric,
    requirements: t.constraints.requirements,
    timeout_ms: t.constraints.timeoutMs,
    max_tokens: t.constraints.maxTokens,
  },
});

export const contentWire = z
  .object({ summary: text, approach: text, risks: text, requirements: strings })
  .transform((c): ProposalContent => ({ summary: c.summary, approach: c.approach, risks: c.risks, requirements: c.requirements }));
export const toContentWire = (c: ProposalContent) => ({
  summary: c.summary,
  approach: c.approach,
  risks: c.risks,
  requirements: c.requirements,
});

export const critiqueWire = z
  .object({ reviewer_id: id, target_author_id: id, round: count, feedback: text, issues: strings, raw: text, created_at_ms: ms })
  .transform((c): Critique => ({
    reviewerId: c.reviewer_id,
    targetAuthorId: c.target_author_id,
    round: c.round,
    feedback: c.feedback,
    issues: c.issues,
    raw: c.raw,
    createdAtMs: c.created_at_ms,
  }));
export const toCritiqueWire = (c: Critique) => ({
  reviewer_id: c.reviewerId,
  target_author_id: c.targetAuthorId,
  round: c.round,
  feedback: c.feedback,
  issues: c.issues,
  raw: c.raw,
  created_at_ms: c.createdAtMs,
});

const revisionWire = z
  .object({ round: count, content: contentWire, critique: critiqueWire, raw: text, created_at_ms: ms })
  .transform((r): Revision => ({ round: r.round, content: r.content, critique: r.critique, raw: r.raw, createdAtMs: r.created_at_ms }));
const toRevisionWire = (r: Revision) => ({
  round: r.round,
  content: toContentWire(r.content),
  critique: toCritiqueWire(r.critique),
  raw: r.raw,
  created_at_ms: r.createdAtMs,
});

export const proposalWire = z
  .object({
    author_id: id,
    author_role: role,
    content: contentWire,
    original: contentWire,
    revisions: z.array(revisionWire),
    raw: text,
    created_at_ms: ms,
  })
  .transform((p): Proposal => ({
    authorId: p.author_id,
    authorRole: p.author_role,
    content: p.content,
    original: p.original,
    revisions: p.revisions,
    raw: p.raw,
    createdAtMs: p.created_at_ms,
  }));
export const toProposalWire = (p: Proposal) => ({
  author_id: p.authorId,
  author_role: p.authorRole,
  content: toContentWire(p.content),
  original: toContentWire(p.original),
  revisions: p.revisions.map(toRevisionWire),
  raw: p.raw,
  created_at_ms: p.createdAtMs,
});

// Derived in floating point: exact bounds would refuse a 1.0000000000000002 the domain itself produced.
const unit = z.number().nonnegative();

const checksWire = z
  .object({
    checks: z.array(
      z.object({ name: text, kind: z.enum(['policy', 'lint']), passed: z.boolean(), score: unit, detail: text, violations: z.array(text) }),
    ),
    passed: z.boolean(),
    score: unit,
    requirement_coverage: unit,
  })
  .transform((s): CheckSuite => ({ checks: s.checks, passed: s.passed, score: s.score, requirementCoverage: s.requirement_coverage }));
const toChecksWire = (s: CheckSuite) => ({
  checks: s.checks.map((c) => ({
    name: c.name,
    kind: c.kind,
    passed: c.passed,
    score: c.score,
    detail: c.detail,
    violations: c.violations,
  })),
  passed: s.passed,
  score: s.score,
  requirement_coverage: s.requirementCoverage,
});

const judgmentWire = z
  .object({
    criteria: z.array(z.object({ name: text, score: z.number().min(0).max(10), repaired: text.optional() })),
    comment: text,
    raw: text,
  })
  .transform((j): RubricJudgment => ({
    criteria: j.criteria.map((c) => ({ name: c.name, score: c.score, ...(c.repaired === undefined ? {} : { repaired: c.repaired }) })),
    comment: j.comment,
    raw: j.raw,
  }));
const toJudgmentWire = (j: RubricJudgment) => ({
  criteria: j.criteria.map((c) => ({ name: c.name, score: c.score, ...(c.repaired === undefined ? {} : { repaired: c.repaired }) })),
  comment: j.comment,
  raw: j.raw,
});

const scoreWire = z
  .object({ total: unit, rubric: unit, checks: unit })
  .transform((s): Score => ({ total: s.total, rubric: s.rubric, checks: s.checks }));

export const resultWire = z
  .object({ proposal: proposalWire, checks: checksWire, judgment: judgmentWire, score: scoreWire, rank: int.positive() })
  .transform((r): DeliberationResult => ({ proposal: r.proposal, checks: r.checks, judgment: r.judgment, score: r.score, rank: r.rank }));
export const toResultWire = (r: DeliberationResult) => ({
  proposal: toProposalWire(r.proposal),
  checks: toChecksWire(r.checks),
  judgment: toJudgmentWire(r.judgment),
  score: { total: r.score.total, rubric: r.score.rubric, checks: r.score.checks },
  rank: r.rank,
});
