import type { CheckSuite, Score } from './scoring.js';

export interface Rankable {
  readonly authorId: string;
  readonly checks: CheckSuite;
  readonly score: Score;
}

/**
 * Orders scored proposals best first. Requirement coverage comes before the score: a proposal that
 * leaves a stated requirement unaddressed never outranks one that addresses more of them, however
 * much the judge liked its prose. Ties fall back to the author id so ranking is deterministic.
 */
export function rank<T extends Rankable>(entries: readonly T[]): Array<T & { rank: number }> {
  return [...entries]
    .sort(
      (a, b) =>
        b.checks.requirementCoverage - a.checks.requirementCoverage ||
        b.score.total - a.score.total ||
        a.authorId.localeCompare(b.authorId),
    )
    .map((e, i) => ({ ...e, rank: i + 1 }));
}
