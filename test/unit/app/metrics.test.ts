import { describe, expect, it } from 'vitest';

import { computeMetrics, percentile } from '../../../core/app/metrics.js';
import { makeAgents, type Council } from '../../../core/domain/council.js';
import type { DeliberationOutcome } from '../../../core/ports/deliberation-store.js';

const council = (id: string, role: Council['role'], agents: number): Council => ({
  id,
  role,
  agents: makeAgents(role, agents),
  model: 'm',
  rounds: 1,
  peerReview: true,
  createdAtMs: 0,
});

const outcome = (taskId: string, over: Partial<DeliberationOutcome> = {}): DeliberationOutcome => ({
  taskId,
  councilId: 'c-dev',
  role: 'DEV',
  status: 'COMPLETED',
  orchestrated: false,
  durationMs: 100,
  finishedAtMs: 1,
  ...over,
});

describe('percentile', () => {
  it('takes the nearest rank', () => {
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 95)).toBe(95);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBe(0);
    expect(percentile([10, 20, 30, 40], 50)).toBe(20);
  });
});

describe('computeMetrics', () => {
  const councils = [council('c-dev', 'DEV', 3), council('c-qa', 'QA', 2)];

  it('derives latencies, counts and council health from stored outcomes and what runs now', () => {
    const outcomes = [
      outcome('a', { durationMs: 100 }),
      outcome('b', { durationMs: 300, orchestrated: true }),
      outcome('c', { durationMs: 200, status: 'FAILED' }),
      outcome('d', { durationMs: 400, councilId: 'c-qa', role: 'QA', status: 'TIMEOUT' }),
    ];
    const m = computeMetrics({
      outcomes,
      turns: { turns: 20, failed: 2, completionTokens: 900, avgDurationMs: 50 },
      councils,
      running: [{ councilId: 'c-dev', role: 'DEV', agents: 2 }],
    });
    expect(m.deliberations).toEqual({ total: 5, orchestrations: 1, completed: 2, failed: 2, running: 1, byRole: { DEV: 4, QA: 1 } });
    expect(m.latencyMs).toEqual({ avgDeliberation: 250, avgOrchestration: 300, p50: 200, p95: 400, p99: 400 });
    expect(m.agents).toEqual({
      total: 5,
      active: 2,
      byRole: { DEV: 3, QA: 2 },
      turns: 20,
      failedTurns: 2,
      completionTokens: 900,
      avgTurnMs: 50,
    });
    expect(m.councils).toEqual([
      { councilId: 'c-dev', role: 'DEV', status: 'busy', availableAgents: 1, busyAgents: 2, successRate: 2 / 3 },
      { councilId: 'c-qa', role: 'QA', status: 'idle', availableAgents: 2, busyAgents: 0, successRate: 0 },
    ]);
  });

  it('reports zeros, not NaN, when nothing has run', () => {
    const m = computeMetrics({
      outcomes: [],
      turns: { turns: 0, failed: 0, completionTokens: 0, avgDurationMs: 0 },
      councils,
      running: [],
    });
    expect(m.latencyMs).toEqual({ avgDeliberation: 0, avgOrchestration: 0, p50: 0, p95: 0, p99: 0 });
    expect(m.councils.map((c) => c.successRate)).toEqual([1, 1]);
  });
});
