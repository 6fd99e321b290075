import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { composeCore, type Core, openStores } from '../../../main/compose.js';
import { type FleetConfig, loadConfig } from '../../../main/config.js';
import { createLogger } from '../../../main/log.js';
import type { DeliberationEvent } from '../../../core/domain/events.js';
import { tempDataDir } from '../../support/fleet-process.js';

// A whole deliberation through the real composition root: real llama.cpp on the built-in tiny model,
// real SQLite file. The use-case unit tests script the turns; this proves the same path for real.

const requirements = ['Failed login attempts must be logged', 'Limits are configurable per tenant'];

describe('a council deliberating on real llama.cpp (tiny model)', () => {
  let config: FleetConfig;
  let core: Core;

  beforeAll(async () => {
    config = loadConfig({ dataDir: tempDataDir(), model: 'tiny' }, {});
    core = await composeCore(config, { log: createLogger(undefined, 'silent') });
    // Handed out started: the five default councils are there.
    expect(core.startup.councilsCreated).toBe(5);
  });
  afterAll(async () => {
    await core.close();
  });

  it('proposes, critiques in a ring, revises, scores and ranks, and persists every turn', async () => {
    const events: DeliberationEvent[] = [];
    const d = await core.fleet.deliberations.deliberate(
      { taskId: 'rate-limit', description: 'Add rate limiting to the login endpoint', role: 'DEV', requirements, numAgents: 3, rounds: 1 },
      { onEvent: (e) => events.push(e) },
    );

    expect(d.status).toBe('COMPLETED');
    expect(d.model).toBe('tiny');
    expect(d.results.map((r) => r.rank)).toEqual([1, 2, 3]);
    expect(d.winnerId).toBe(d.results[0]!.proposal.authorId);
    expect(new Set(d.results.map((r) => r.proposal.authorId))).toEqual(new Set(['dev-1', 'dev-2', 'dev-3']));
    for (const r of d.results) {
      expect(r.proposal.revisions).toHaveLength(1);
      expect(r.judgment.criteria).toHaveLength(4);
      expect(r.score.total).toBeGreaterThanOrEqual(0);
      expect(r.score.total).toBeLessThanOrEqual(1);
      expect(r.checks.checks.map((c) => c.name)).toEqual(['requirements_addressed', 'sections_present', 'length_bounds']);
    }
    // Ranked best first: requirement coverage, then score.
    for (let i = 1; i < d.results.length; i++) {
      const [a, b] = [d.results[i - 1]!, d.results[i]!];
      expect(
        a.checks.requirementCoverage > b.checks.requirementCoverage ||
          (a.checks.requirementCoverage === b.checks.requirementCoverage && a.score.total >= b.score.total),
      ).toBe(true);
    }
    const phases = events.filter((e) => e.type === 'phase').map((e) => (e as { phase: string }).phase);
    expect(phases).toEqual(['propose', 'critique', 'revise', 'score', 'rank']);

    // Every model call is on record with its raw output, and it is all still there after reopening.
    const turns = await core.stores.deliberations.turns('rate-limit');
    expect(turns).toHaveLength(12);
    // Raw output is JSON from the grammar, possibly cut short at maxTokens (kept as it came, for audit).
    for (const t of turns.filter((x) => x.ok)) expect(t.raw.trimStart().startsWith('{')).toBe(true);
    const reopened = openStores(config);
    try {
      expect(await reopened.deliberations.get('rate-limit')).toEqual(d);
    } finally {
      reopened.close();
    }
  });

  it('stops generation when cancelled and records CANCELLED', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const running = core.fleet.deliberations.deliberate(
      {
        taskId: 'cancel-me',
        description: 'Write a very long design document',
        role: 'ARCHITECT',
        maxTokens: 8192,
        numAgents: 8,
        rounds: 5,
      },
      {
        signal: controller.signal,
        onEvent: (e) => e.type === 'agent' && e.state === 'started' && setTimeout(() => controller.abort(), 50),
      },
    );
    await expect(running).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(Date.now() - started).toBeLessThan(5000);
    expect((await core.fleet.deliberations.getDeliberation('cancel-me')).status).toBe('CANCELLED');
  });

  it('times out at the task deadline with DEADLINE_EXCEEDED and TIMEOUT', async () => {
    await expect(
      core.fleet.deliberations.deliberate({
        taskId: 'too-slow',
        description: 'Plan the data migration',
        role: 'DATA',
        maxTokens: 8192,
        timeoutMs: 150,
        numAgents: 8,
        rounds: 5,
      }),
    ).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
    expect((await core.fleet.deliberations.getDeliberation('too-slow')).status).toBe('TIMEOUT');
  });

  it('orchestrates: the architect chooses among the top k with a rationale', async () => {
    const d = await core.fleet.deliberations.orchestrate({
      description: 'Choose a cache for session data',
      role: 'DEVOPS',
      numAgents: 3,
      rounds: 0,
      topK: 2,
    });
    expect(d.status).toBe('COMPLETED');
    expect(d.decision?.candidates).toEqual(d.results.slice(0, 2).map((r) => r.proposal.authorId));
    expect(d.decision?.candidates).toContain(d.decision?.chosenId);
    expect(d.winnerId).toBe(d.decision?.chosenId);
  });
});
