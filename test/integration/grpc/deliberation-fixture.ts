import { makeAgents } from '../../../core/domain/council.js';
import type { Deliberation, DeliberationResult } from '../../../core/domain/deliberation.js';
import type { Proposal, ProposalContent } from '../../../core/domain/proposal.js';
import { rank } from '../../../core/domain/ranking.js';
import type { Role } from '../../../core/domain/role.js';
import { combineScore, judgeRubric, runChecks } from '../../../core/domain/scoring.js';
import { DEFAULT_MAX_TOKENS, DEFAULT_RUBRIC, DEFAULT_TIMEOUT_MS } from '../../../core/domain/task.js';

const T0 = 1_700_000_000_000;
const REQUIREMENTS = ['retry failed uploads with backoff'];

const content = (summary: string, approach: string): ProposalContent => ({
  summary,
  approach,
  risks: 'Retries can hide a persistent outage; cap them and log each attempt.',
  requirements: ['Retry failed uploads with exponential backoff, at most five attempts.'],
});

function proposal(authorId: string, role: Role, c: ProposalContent, revised?: ProposalContent): Proposal {
  return {
    authorId,
    authorRole: role,
    content: revised ?? c,
    original: c,
    raw: '{}',
    createdAtMs: T0 + 100,
    revisions:
      revised === undefined
        ? []
        : [
            {
              round: 1,
              content: revised,
              raw: '{}',
              createdAtMs: T0 + 300,
              critique: {
                reviewerId: 'dev-2',
                targetAuthorId: authorId,
                round: 1,
                feedback: 'Say how the backoff is capped.',
                issues: ['no cap on retries'],
                raw: '{}',
                createdAtMs: T0 + 200,
              },
            },
          ],
  };
}

function result(p: Proposal, criterionScore: number): Omit<DeliberationResult, 'rank'> {
  const checks = runChecks(p.content, { requirements: REQUIREMENTS });
  const judgment = judgeRubric(DEFAULT_RUBRIC, Object.fromEntries(DEFAULT_RUBRIC.map((c) => [c, criterionScore])), 'solid', '{}');
  return { proposal: p, checks, judgment, score: combineScore(judgment, checks) };
}

/**
 * A COMPLETED deliberation of two DEV agents, real scores and ranks from the domain rules; results are
 * stored worst first so tests see the adapter rank them.
 */
export function completedDeliberation(overrides: Partial<Deliberation> = {}): Deliberation {
  const role = overrides.role ?? 'DEV';
  const agents = makeAgents(role, 2);
  const strong = proposal(
    agents[0]!.id,
    role,
    content('Wrap the uploader in a retry loop.', 'Exponential backoff from 200 ms, capped at five attempts, jittered.'),
    content('Wrap the uploader in a capped retry loop.', 'Exponential backoff from 200 ms, capped at five attempts, jittered, logged.'),
  );
  const weak = proposal(agents[1]!.id, role, content('Retry on failure.', 'Loop until it works.'));
  const ranked = rank([
    { ...result(strong, 9), authorId: strong.authorId },
    { ...result(weak, 3), authorId: weak.authorId },
  ]).map(({ authorId: _, ...r }) => r);
  return {
    taskId: 'task-1',
    councilId: 'council-1',
    role,
    task: {
      id: overrides.taskId ?? 'task-1',
      description: 'Add retries to the uploader',
      role,
      constraints: {
        rubric: [...DEFAULT_RUBRIC],
        requirements: REQUIREMENTS,
        timeoutMs: DEFAULT_TIMEOUT_MS,
        maxTokens: DEFAULT_MAX_TOKENS,
      },
    },
    agents,
    rounds: 1,
    model: 'tiny.gguf',
    status: 'COMPLETED',
    results: [...ranked].reverse(),
    winnerId: ranked[0]!.proposal.authorId,
    failures: [],
    timings: [],
    createdAtMs: T0,
    finishedAtMs: T0 + 1234,
    durationMs: 1234,
    ...overrides,
  };
}

/** The same deliberation, still running. */
export function runningDeliberation(overrides: Partial<Deliberation> = {}): Deliberation {
  const { finishedAtMs: _f, durationMs: _d, winnerId: _w, ...rest } = completedDeliberation(overrides);
  return { ...rest, status: 'IN_PROGRESS', results: [], currentPhase: 'critique', ...overrides };
}
