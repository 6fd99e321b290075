import type { Agent, Council } from '../../../core/domain/council.js';
import type { Deliberation, DeliberationResult } from '../../../core/domain/deliberation.js';
import type { Critique, Proposal, ProposalContent } from '../../../core/domain/proposal.js';
import type { Role } from '../../../core/domain/role.js';
import type { TurnRecord } from '../../../core/ports/deliberation-store.js';

// Hand-built rather than produced by the use case, so these tests depend on nothing but the domain types.

export const T0 = 1_760_000_000_000;

export function agentsOf(role: Role, count: number): Agent[] {
  const perspectives = [
    'favour the simplest design that fully works',
    'favour robustness: failure modes, validation, recovery',
    'favour performance and resource use',
  ];
  return Array.from({ length: count }, (_, i) => ({ id: `${role.toLowerCase()}-${i + 1}`, role, perspective: perspectives[i % 3]! }));
}

export function councilFixture(id: string, role: Role, createdAtMs = T0, agentCount = 3): Council {
  return {
    id,
    role,
    agents: agentsOf(role, agentCount),
    model: 'qwen2.5-0.5b-instruct-q4_k_m.gguf',
    rounds: 1,
    peerReview: true,
    createdAtMs,
  };
}

const content = (author: string, revised: boolean): ProposalContent => ({
  summary: `${author}: add a token-bucket rate limiter in front of the public API${revised ? ' (revised after review)' : ''}`,
  approach: 'Keep one bucket per API key in Redis; refill lazily on each request with a Lua script so check-and-take is atomic.',
  risks: 'Redis outage blocks every request unless we fail open; clock skew between nodes; hot keys.',
  requirements: ['limit per API key: one bucket per key', `metrics: expose rejections as a counter${revised ? ', labelled by route' : ''}`],
});

function proposal(author: Agent, reviewer: Agent, at: number, revised: boolean): Proposal {
  const original = content(author.id, false);
  if (!revised)
    return {
      authorId: author.id,
      authorRole: author.role,
      content: original,
      original,
      revisions: [],
      raw: JSON.stringify(original),
      createdAtMs: at,
    };
  const critique: Critique = {
    reviewerId: reviewer.id,
    targetAuthorId: author.id,
    round: 1,
    feedback: 'Say what happens when Redis is down — "fail open" needs a bound.',
    issues: ['no failure mode for Redis outage', 'metrics lack labels'],
    raw: '{"feedback":"Say what happens when Redis is down","issues":["no failure mode for Redis outage","metrics lack labels"]}',
    createdAtMs: at + 2_000,
  };
  const revisedContent = content(author.id, true);
  return {
    authorId: author.id,
    authorRole: author.role,
    content: revisedContent,
    original,
    revisions: [{ round: 1, content: revisedContent, critique, raw: JSON.stringify(revisedContent), createdAtMs: at + 4_000 }],
    raw: JSON.stringify(original),
    createdAtMs: at,
  };
}

function result(p: Proposal, rank: number, total: number): DeliberationResult {
  return {
    proposal: p,
    checks: {
      checks: [
        { name: 'requirements_addressed', kind: 'policy', passed: true, score: 1, detail: 'all 2 requirements addressed', violations: [] },
        { name: 'sections_present', kind: 'policy', passed: true, score: 1, detail: 'summary, approach and risks present', violations: [] },
        {
          name: 'length_bounds',
          kind: 'lint',
          passed: false,
          score: 0.8125,
          detail: '65 chars (expected 80..8000)',
          violations: ['length 65 chars outside 80..8000'],
        },
      ],
      passed: false,
      score: 0.9625,
      requirementCoverage: 1,
    },
    judgment: {
      criteria: [
        { name: 'correctness', score: 8 },
        { name: 'completeness', score: 7.5 },
        { name: 'clarity', score: 10, repaired: 'above 10 (12)' },
        { name: 'feasibility', score: 0, repaired: 'not a finite number (undefined)' },
      ],
      comment: 'Sound design; the failure mode is now explicit.',
      raw: '{"scores":{"correctness":8,"completeness":7.5,"clarity":12},"comment":"Sound design; the failure mode is now explicit."}',
    },
    score: { total, rubric: 0.6375, checks: 0.9625 },
    rank,
  };
}

/** A COMPLETED deliberation with everything a real one holds: revisions, a failure, timings, a decision. */
export function completedDeliberation(taskId: string, createdAtMs = T0): Deliberation {
  const agents = agentsOf('DEV', 3);
  const [a, b, c] = agents as [Agent, Agent, Agent];
  const results = [
    result(proposal(a, b, createdAtMs + 1_000, true), 1, 0.8325),
    result(proposal(b, a, createdAtMs + 1_100, false), 2, 0.7123456789012345),
  ];
  return {
    taskId,
    councilId: 'council-dev',
    role: 'DEV',
    task: {
      id: taskId,
      description: 'Design rate limiting for the public API: "per key", with metrics — and a ünïcödé note 🚦.',
      role: 'DEV',
      constraints: {
        rubric: ['correctness', 'completeness', 'clarity', 'feasibility'],
        requirements: ['limit per API key', 'expose metrics'],
        timeoutMs: 600_000,
        maxTokens: 384,
      },
    },
    agents,
    rounds: 1,
    model: 'qwen2.5-0.5b-instruct-q4_k_m.gguf',
    status: 'COMPLETED',
    results,
    winnerId: a.id,
    decision: {
      chosenId: a.id,
      rationale: 'Covers every requirement and bounds the outage.',
      candidates: [a.id, b.id],
      raw: '{"chosenId":"dev-1","rationale":"Covers every requirement"}',
    },
    failures: [
      {
        agentId: c.id,
        phase: 'critique',
        round: 1,
        code: 'DEADLINE_EXCEEDED',
        message: 'turn exceeded its budget',
        atMs: createdAtMs + 3_000,
      },
    ],
    timings: [
      { phase: 'propose', startedAtMs: createdAtMs + 10, finishedAtMs: createdAtMs + 1_500 },
      { phase: 'critique', round: 1, startedAtMs: createdAtMs + 1_500, finishedAtMs: createdAtMs + 3_000.25 },
      { phase: 'revise', round: 1, startedAtMs: createdAtMs + 3_000.25, finishedAtMs: createdAtMs + 4_500 },
      { phase: 'score', startedAtMs: createdAtMs + 4_500, finishedAtMs: createdAtMs + 5_000 },
      { phase: 'rank', startedAtMs: createdAtMs + 5_000, finishedAtMs: createdAtMs + 5_001 },
      { phase: 'choose', startedAtMs: createdAtMs + 5_001, finishedAtMs: createdAtMs + 6_000 },
    ],
    createdAtMs,
    finishedAtMs: createdAtMs + 6_000,
    durationMs: 6_000,
  };
}

/** The same deliberation as it looks mid-way: proposals in, critique running. */
export function inProgressDeliberation(taskId: string, createdAtMs = T0): Deliberation {
  const { winnerId: _w, decision: _d, finishedAtMs: _f, durationMs: _du, ...rest } = completedDeliberation(taskId, createdAtMs);
  return { ...rest, status: 'IN_PROGRESS', results: [], timings: rest.timings.slice(0, 1), currentPhase: 'critique' };
}

export function pendingDeliberation(taskId: string, createdAtMs = T0): Deliberation {
  return { ...inProgressDeliberation(taskId, createdAtMs), status: 'PENDING', timings: [], failures: [], currentPhase: undefined };
}

export function turnFixture(taskId: string, i: number, ok = true): TurnRecord {
  return {
    taskId,
    attempt: 1,
    agentId: `dev-${(i % 3) + 1}`,
    phase: i < 3 ? 'propose' : 'critique',
    ...(i < 3 ? {} : { round: 1 }),
    ok,
    raw: ok ? `{"summary":"turn ${i}","approach":"…","risks":"…","requirements":[]}` : 'partial output before the deadl',
    ...(ok ? {} : { error: 'DEADLINE_EXCEEDED: turn exceeded its budget' }),
    completionTokens: 100 + i,
    durationMs: 1234.5 + i,
    atMs: T0 + i * 1000,
  };
}
