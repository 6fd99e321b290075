import { describe, expect, it } from 'vitest';

import type { ProposalContent } from '../../../core/domain/proposal.js';
import { rank } from '../../../core/domain/ranking.js';
import { addresses, clampCriterion, combineScore, judgeRubric, runChecks } from '../../../core/domain/scoring.js';

const content = (over: Partial<ProposalContent> = {}): ProposalContent => ({
  summary: 'Add a token bucket rate limiter in front of the login endpoint.',
  approach: 'A middleware keyed by client IP keeps a bucket per key in Valkey; refill 5 per minute.',
  risks: 'Shared NAT users may be limited together; mitigate with per-account keys.',
  requirements: [],
  ...over,
});

describe('clampCriterion', () => {
  it('keeps in-range scores and repairs the rest', () => {
    expect(clampCriterion('c', 7.5)).toEqual({ name: 'c', score: 7.5 });
    expect(clampCriterion('c', 1e308)).toMatchObject({ score: 10, repaired: expect.stringContaining('above 10') });
    expect(clampCriterion('c', -3)).toMatchObject({ score: 0, repaired: expect.stringContaining('below 0') });
    expect(clampCriterion('c', Number.NaN)).toMatchObject({ score: 0, repaired: expect.stringContaining('finite') });
    expect(clampCriterion('c', Infinity).score).toBe(0);
    expect(clampCriterion('c', '9')).toMatchObject({ score: 0 });
    expect(clampCriterion('c', undefined)).toMatchObject({ score: 0 });
  });

  it('judges every rubric criterion, missing ones as 0', () => {
    const j = judgeRubric(['a', 'b'], { a: 8, z: 10 }, 'ok', '{}');
    expect(j.criteria.map((c) => c.score)).toEqual([8, 0]);
  });
});

describe('requirement checks', () => {
  it('matches a requirement by its significant words, tolerant to inflection', () => {
    expect(addresses('We log every failed attempt with retries', 'Failed attempts must be logged')).toBe(true);
    expect(addresses('We cache responses', 'Failed attempts must be logged')).toBe(false);
  });

  it('scores coverage and names what is missing', () => {
    const reqs = ['Failed attempts must be logged', 'Limits are configurable per tenant'];
    const all = runChecks(content({ requirements: ['Failed attempts logged to audit log', 'Limits configurable per tenant in config'] }), {
      requirements: reqs,
    });
    const one = runChecks(content({ requirements: ['Failed attempts logged to audit log'] }), { requirements: reqs });
    expect(all.requirementCoverage).toBe(1);
    expect(all.passed).toBe(true);
    expect(one.requirementCoverage).toBe(0.5);
    expect(one.checks.find((c) => c.name === 'requirements_addressed')?.detail).toContain('configurable per tenant');
    expect(one.score).toBeLessThan(all.score);
  });

  it('flags missing sections and out-of-bounds length', () => {
    const suite = runChecks({ summary: '', approach: 'x', risks: '', requirements: [] }, { requirements: [] });
    expect(suite.checks.find((c) => c.name === 'sections_present')).toMatchObject({ passed: false });
    expect(suite.checks.find((c) => c.name === 'length_bounds')).toMatchObject({ passed: false });
  });
});

describe('rank', () => {
  const reqs = ['Failed attempts must be logged'];
  const judged = (authorId: string, c: ProposalContent, rubricScore: number) => {
    const judgment = judgeRubric(['quality'], { quality: rubricScore }, '', '');
    const checks = runChecks(c, { requirements: reqs });
    return { authorId, checks, score: combineScore(judgment, checks) };
  };

  it('puts a proposal that misses a stated requirement below one that meets it, even if the judge preferred it', () => {
    const meets = judged('a', content({ requirements: ['Failed attempts are logged'] }), 2);
    const misses = judged('b', content(), 10);
    expect(misses.score.total).toBeGreaterThan(meets.score.total - 1); // the judge liked b
    const ranked = rank([misses, meets]);
    expect(ranked.map((r) => [r.authorId, r.rank])).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
  });

  it('orders by score, then author id for ties', () => {
    const ranked = rank([judged('c', content(), 5), judged('a', content(), 5), judged('b', content(), 9)]);
    expect(ranked.map((r) => r.authorId)).toEqual(['b', 'a', 'c']);
  });
});
