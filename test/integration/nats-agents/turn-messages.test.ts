import { describe, expect, it } from 'vitest';
import {
  decodeTurnRequest,
  decodeTurnResponse,
  encodeTurnRequest,
  encodeTurnResponse,
  type TurnRequest,
} from '../../../core/adapters/nats/agent-turns/turn-messages.js';
import { requestSubject, responseSubject, turnRequestId } from '../../../core/adapters/nats/agent-turns/turn-subjects.js';
import type { Agent } from '../../../core/domain/council.js';
import type { DeliberationResult } from '../../../core/domain/deliberation.js';
import { FleetError } from '../../../core/domain/errors.js';
import type { Critique, Proposal } from '../../../core/domain/proposal.js';
import { combineScore, judgeRubric, runChecks } from '../../../core/domain/scoring.js';
import type { Task } from '../../../core/domain/task.js';

// The wire format alone (no server): every domain value a turn takes arrives as it left.

const MAX = 1024 * 1024;
const agent: Agent = { id: 'dev-1', role: 'DEV', perspective: 'favour the simplest design that fully works' };
const task: Task = {
  id: 'plan-p.1-DEV',
  description: 'Add rate limiting — per tenant, "quoted", with ünïcode',
  role: 'DEV',
  constraints: { rubric: ['correctness', 'clarity'], requirements: ['Failed logins are logged'], timeoutMs: 600_000, maxTokens: 512 },
};
const content = {
  summary: 'Token bucket per tenant',
  approach: 'Redis counters',
  risks: 'Clock skew',
  requirements: ['Failed logins are logged via audit log'],
};
const critique: Critique = {
  reviewerId: 'dev-2',
  targetAuthorId: 'dev-1',
  round: 1,
  feedback: 'Name the metrics',
  issues: ['no metrics', 'no limits'],
  raw: '{"feedback":"Name the metrics"}',
  createdAtMs: 1_700_000_000_123,
};
const proposal: Proposal = {
  authorId: 'dev-1',
  authorRole: 'DEV',
  content: { ...content, summary: 'Token bucket per tenant, with metrics' },
  original: content,
  revisions: [
    {
      round: 1,
      content: { ...content, summary: 'Token bucket per tenant, with metrics' },
      critique,
      raw: '{"summary":"…"}',
      createdAtMs: 1_700_000_000_456,
    },
  ],
  raw: '{"summary":"Token bucket per tenant"}',
  createdAtMs: 1_700_000_000_001,
};
const judgment = judgeRubric(task.constraints.rubric, { correctness: 12, clarity: 7.5 }, 'solid', '{"scores":{}}');
const checks = runChecks(proposal.content, task.constraints);
const result: DeliberationResult = { proposal, checks, judgment, score: combineScore(judgment, checks), rank: 1 };
const head = { role: 'DEV' as const, task, expiresAtMs: 1_700_000_600_000 };

const requests: TurnRequest[] = [
  { ...head, requestId: 'plan-p.1-DEV.propose.0.dev-1', phase: 'propose', agent },
  {
    ...head,
    requestId: 'plan-p.1-DEV.critique.1.dev-2.dev-1',
    phase: 'critique',
    agent: { ...agent, id: 'dev-2' },
    round: 1,
    target: proposal,
  },
  { ...head, requestId: 'plan-p.1-DEV.revise.1.dev-1', phase: 'revise', agent, proposal, critique },
  { ...head, requestId: 'plan-p.1-DEV.score.0.judge.dev-1', phase: 'score', proposal },
  {
    ...head,
    role: 'ARCHITECT',
    requestId: 'plan-p.1-DEV.choose.0.architect-1',
    phase: 'choose',
    agent: { ...agent, id: 'architect-1', role: 'ARCHITECT' },
    candidates: [result, { ...result, rank: 2 }],
  },
];

describe('turn wire format', () => {
  it.each(requests.map((r) => [r.phase, r] as const))('carries a %s request faithfully', (_phase, request) => {
    const subject = requestSubject(request.role, request.phase);
    const bytes = encodeTurnRequest(request, Date.now());
    expect(decodeTurnRequest(subject, bytes, MAX)).toEqual(request);
    // snake_case on the wire.
    expect(new TextDecoder().decode(bytes)).toContain('"max_tokens":512');
  });

  it('refuses a request whose payload disagrees with its subject, naming the field', () => {
    const bytes = encodeTurnRequest(requests[0]!, Date.now());
    expect(() => decodeTurnRequest(requestSubject('QA', 'propose'), bytes, MAX)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', field: 'payload.phase' }),
    );
  });

  it('round-trips replies, and turns a worker error into a FleetError with its code', () => {
    const id = 'plan-p.1-DEV.score.0.judge.dev-1';
    const ok = encodeTurnResponse(
      id,
      task.id,
      {
        status: 'ok',
        phase: 'score',
        output: { value: { scores: { correctness: 12, clarity: 'n/a' }, comment: 'x' }, raw: 'r', completionTokens: 3, durationMs: 4 },
      },
      Date.now(),
    );
    expect(decodeTurnResponse(responseSubject(id), ok, id, 'score', MAX)).toEqual({
      value: { scores: { correctness: 12, clarity: 'n/a' }, comment: 'x' },
      raw: 'r',
      completionTokens: 3,
      durationMs: 4,
    });
    const failed = encodeTurnResponse(
      id,
      task.id,
      { status: 'error', phase: 'score', code: 'UNAVAILABLE', message: 'vLLM down', worker: 'w1' },
      Date.now(),
    );
    const error = decodeTurnResponse(responseSubject(id), failed, id, 'score', MAX);
    expect(error).toBeInstanceOf(FleetError);
    expect(error).toMatchObject({ code: 'UNAVAILABLE', message: 'vLLM down (worker w1)' });
    // A reply for another phase (or another request) is not this turn's.
    expect(decodeTurnResponse(responseSubject(id), ok, id, 'propose', MAX)).toMatchObject({ code: 'INTERNAL' });
  });

  it('makes deterministic request ids that are always valid subject tokens', () => {
    expect(turnRequestId({ taskId: 't-1', phase: 'critique', round: 2, agentId: 'qa-1', subject: 'qa-2' })).toBe(
      't-1.critique.2.qa-1.qa-2',
    );
    const odd = turnRequestId({ taskId: 'a..b', phase: 'propose', agentId: 'my agent*' });
    expect(odd).toBe(turnRequestId({ taskId: 'a..b', phase: 'propose', agentId: 'my agent*' }));
    expect(odd).toMatch(/^x[0-9a-f]{24}\.propose\.0\.x[0-9a-f]{24}$/);
    // A later attempt of the task asks anew; the first attempt's ids stay as they were.
    expect(turnRequestId({ taskId: 't-1', attempt: 1, phase: 'propose', agentId: 'dev-1' })).toBe('t-1.propose.0.dev-1');
    expect(turnRequestId({ taskId: 't-1', attempt: 2, phase: 'propose', agentId: 'dev-1' })).toBe('t-1.a2.propose.0.dev-1');
  });
});
