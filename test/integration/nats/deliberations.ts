import type { Deliberation, DeliberationResult } from '../../../core/domain/deliberation.js';
import type { ProposalContent } from '../../../core/domain/proposal.js';
import { combineScore, judgeRubric, runChecks } from '../../../core/domain/scoring.js';

const REQUIREMENTS = ['retry failed uploads with backoff'];

function result(authorId: string, content: ProposalContent, criterion: number, comment: string, rank: number): DeliberationResult {
  const checks = runChecks(content, { requirements: REQUIREMENTS });
  const judgment = judgeRubric(['correctness'], { correctness: criterion }, comment, '{}');
  return {
    proposal: { authorId, authorRole: 'DEV', content, original: content, revisions: [], raw: '{}', createdAtMs: 1_100 },
    checks,
    judgment,
    score: combineScore(judgment, checks),
    rank,
  };
}

/** Two ranked DEV proposals scored by the domain's rules: dev-1's passes every check, dev-2's is too thin to pass any. */
export const rankedResults = (): DeliberationResult[] => [
  result(
    'dev-1',
    {
      summary: 'Wrap the uploader in a capped retry loop.',
      approach: 'Exponential backoff from 200 ms, at most five attempts, jittered.',
      risks: 'Retries can hide an outage; log each attempt.',
      requirements: ['Retry failed uploads with exponential backoff.'],
    },
    9,
    'Clear and complete.',
    1,
  ),
  result('dev-2', { summary: 'Retry.', approach: 'Loop.', risks: '', requirements: [] }, 3, 'Too thin.', 2),
];

export function deliberation(taskId: string, status: Deliberation['status'], overrides: Partial<Deliberation> = {}): Deliberation {
  return {
    taskId,
    councilId: 'council-dev',
    role: 'DEV',
    task: {
      id: taskId,
      description: 'd',
      role: 'DEV',
      constraints: { rubric: [], requirements: REQUIREMENTS, timeoutMs: 1, maxTokens: 1 },
    },
    agents: [],
    rounds: 1,
    model: 'tiny',
    status,
    results: [],
    failures: [],
    timings: [],
    createdAtMs: 1_000,
    finishedAtMs: 3_000,
    durationMs: 2_000,
    ...overrides,
  };
}
