import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';

import { createFleet } from '../../../core/app/fleet.js';
import type { Agent } from '../../../core/domain/council.js';
import { FleetError } from '../../../core/domain/errors.js';
import type { DeliberationEvent } from '../../../core/domain/events.js';
import type { ProposalContent } from '../../../core/domain/proposal.js';
import type { AgentTurns, TurnContext, TurnOutput } from '../../../core/ports/agent-turns.js';
import { memoryStores, testClock } from '../../support/memory-stores.js';

const out = <T>(value: T): TurnOutput<T> => ({ value, raw: JSON.stringify(value), completionTokens: 10, durationMs: 1 });

const content = (agent: string, requirementLines: string[]): ProposalContent => ({
  summary: `Proposal of ${agent} for the rate limiter.`,
  approach: 'Token bucket middleware keyed by client address, stored in Valkey.',
  risks: 'Clients behind one NAT share a bucket.',
  requirements: requirementLines,
});

/** Scripted turns: per-agent behaviour, recording calls so the test can check the ring. */
function scriptedTurns(behaviour: {
  propose?: (agent: Agent, ctx: TurnContext) => Promise<ProposalContent>;
  judgeScore?: (authorId: string) => number;
}): AgentTurns & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async propose(agent, _task, ctx) {
      calls.push(`propose ${agent.id}`);
      return out(await (behaviour.propose?.(agent, ctx) ?? Promise.resolve(content(agent.id, ['Failed attempts are logged']))));
    },
    async critique(reviewer, _task, target, round) {
      calls.push(`critique ${reviewer.id}->${target.authorId} r${round}`);
      return out({ feedback: `tighten ${target.authorId}`, issues: ['vague'] });
    },
    async revise(author, _task, proposal, critique) {
      calls.push(`revise ${author.id} by ${critique.reviewerId}`);
      return out({ ...proposal.content, summary: `${proposal.content.summary} (revised)` });
    },
    async judge(_task, proposal) {
      calls.push(`judge ${proposal.authorId}`);
      return out({ scores: { correctness: behaviour.judgeScore?.(proposal.authorId) ?? 5 }, comment: 'ok' });
    },
    async choose(architect, _task, candidates) {
      calls.push(`choose ${architect.id}`);
      const last = candidates[candidates.length - 1]!;
      return out({ chosenId: last.proposal.authorId, rationale: 'best trade-off' });
    },
  };
}

async function service(turns: AgentTurns) {
  const stores = memoryStores();
  const fleet = createFleet({ ...stores, turns, clock: testClock(), modelName: 'scripted' });
  await fleet.start();
  fleet.deliberations.setServing(true);
  return { fleet, stores };
}

const command = {
  description: 'Add rate limiting to the login endpoint',
  role: 'DEV' as const,
  rubric: ['correctness'],
  requirements: ['Failed attempts must be logged'],
};

describe('deliberate', () => {
  it('runs propose → critique ring → revise → score → rank, with a winner', async () => {
    const turns = scriptedTurns({ judgeScore: (id) => (id === 'dev-2' ? 9 : 4) });
    const { fleet, stores } = await service(turns);
    const events: DeliberationEvent[] = [];
    const d = await fleet.deliberations.deliberate({ ...command, rounds: 1 }, { onEvent: (e) => events.push(e) });

    expect(d.status).toBe('COMPLETED');
    expect(d.results.map((r) => r.rank)).toEqual([1, 2, 3]);
    expect(d.winnerId).toBe('dev-2');
    expect(turns.calls.filter((c) => c.startsWith('critique'))).toEqual([
      'critique dev-1->dev-2 r1',
      'critique dev-2->dev-3 r1',
      'critique dev-3->dev-1 r1',
    ]);
    const winner = d.results[0]!.proposal;
    expect(winner.revisions).toHaveLength(1);
    expect(winner.revisions[0]!.critique.reviewerId).toBe('dev-1');
    expect(winner.content.summary).toContain('(revised)');
    expect(events.filter((e) => e.type === 'phase').map((e) => (e as { phase: string }).phase)).toEqual([
      'propose',
      'critique',
      'revise',
      'score',
      'rank',
    ]);
    expect((await stores.deliberations.get(d.taskId))?.status).toBe('COMPLETED');
    expect((await stores.deliberations.turns(d.taskId)).length).toBe(3 + 3 + 3 + 3);
  });

  it('ranks a proposal that misses a stated requirement below one that meets it', async () => {
    const turns = scriptedTurns({
      propose: async (agent) => content(agent.id, agent.id === 'dev-1' ? [] : ['Failed attempts are logged']),
      judgeScore: (id) => (id === 'dev-1' ? 10 : 3),
    });
    const { fleet } = await service(turns);
    const d = await fleet.deliberations.deliberate({ ...command, rounds: 0 });
    expect(d.results.at(-1)!.proposal.authorId).toBe('dev-1');
    expect(d.results.at(-1)!.checks.passed).toBe(false);
  });

  it('records a failing agent and completes with the others', async () => {
    const turns = scriptedTurns({
      propose: async (agent) => {
        if (agent.id === 'dev-2') throw new FleetError('INTERNAL', 'model crashed');
        return content(agent.id, ['Failed attempts are logged']);
      },
    });
    const { fleet } = await service(turns);
    const d = await fleet.deliberations.deliberate({ ...command, rounds: 1 });
    expect(d.status).toBe('COMPLETED');
    expect(d.results).toHaveLength(2);
    expect(d.failures).toEqual([
      expect.objectContaining({ agentId: 'dev-2', phase: 'propose', code: 'INTERNAL', message: 'model crashed' }),
    ]);
  });

  it('fails with every reason when all agents fail', async () => {
    const turns = scriptedTurns({ propose: async (agent) => Promise.reject(new Error(`boom ${agent.id}`)) });
    const { fleet, stores } = await service(turns);
    await expect(fleet.deliberations.deliberate({ ...command, taskId: 'all-fail' })).rejects.toThrow(/boom dev-1.*boom dev-2.*boom dev-3/);
    expect(await stores.deliberations.get('all-fail')).toMatchObject({ status: 'FAILED', error: expect.stringContaining('boom dev-3') });
  });

  it('stops on cancellation, reaching the model signal, and records CANCELLED', async () => {
    const controller = new AbortController();
    let seen: AbortSignal | undefined;
    const turns = scriptedTurns({
      propose: (_agent, ctx) =>
        new Promise((_resolve, reject) => {
          seen = ctx.signal;
          ctx.signal.addEventListener('abort', () => reject(new Error('aborted')));
        }),
    });
    const { fleet, stores } = await service(turns);
    const running = fleet.deliberations.deliberate({ ...command, taskId: 'cancel-me' }, { signal: controller.signal });
    await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    await expect(running).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(seen?.aborted).toBe(true);
    expect((await stores.deliberations.get('cancel-me'))?.status).toBe('CANCELLED');
  });

  it('times out at the task deadline as TIMEOUT / DEADLINE_EXCEEDED', async () => {
    const turns = scriptedTurns({
      propose: (_a, ctx) => new Promise((_r, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('x')))),
    });
    const { fleet, stores } = await service(turns);
    await expect(fleet.deliberations.deliberate({ ...command, taskId: 'slow', timeoutMs: 30 })).rejects.toMatchObject({
      code: 'DEADLINE_EXCEEDED',
    });
    expect((await stores.deliberations.get('slow'))?.status).toBe('TIMEOUT');
  });

  it('times out with a caller signal too, even after a garbage collection', async () => {
    // AbortSignal.any refers to its sources weakly: a deadline nothing else held was collected, timer and all.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const turns = scriptedTurns({
      propose: (_a, ctx) => new Promise((_r, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('x')))),
    });
    const { fleet } = await service(turns);
    const running = fleet.deliberations.deliberate(
      { ...command, taskId: 'collected', timeoutMs: 200 },
      { signal: new AbortController().signal },
    );
    for (let i = 0; i < 5; i++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await expect(running).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
  });

  it('returns the first result for a repeated task id instead of running again', async () => {
    const turns = scriptedTurns({});
    const { fleet } = await service(turns);
    const first = await fleet.deliberations.deliberate({ ...command, taskId: 'same', rounds: 0 });
    const again = await fleet.deliberations.deliberate({ ...command, taskId: 'same', rounds: 0 });
    expect(again).toEqual(first);
    expect(turns.calls.filter((c) => c.startsWith('propose'))).toHaveLength(3);
  });

  it('orchestrate lets the architect choose among the top k with a rationale', async () => {
    const turns = scriptedTurns({ judgeScore: (id) => ({ 'dev-1': 9, 'dev-2': 6, 'dev-3': 3 })[id] ?? 0 });
    const { fleet } = await service(turns);
    const d = await fleet.deliberations.orchestrate({ ...command, rounds: 0, topK: 2 });
    expect(d.decision).toMatchObject({ candidates: ['dev-1', 'dev-2'], chosenId: 'dev-2', rationale: 'best trade-off' });
    expect(d.winnerId).toBe('dev-2');
    expect(turns.calls).toContain('choose architect-1');
  });

  it('marks a deliberation a crash left IN_PROGRESS as FAILED at startup', async () => {
    const stores = memoryStores();
    const turns = scriptedTurns({});
    const first = createFleet({ ...stores, turns, clock: testClock(), modelName: 'scripted' });
    await first.start();
    first.deliberations.setServing(true);
    const d = await first.deliberations.deliberate({ ...command, taskId: 'crashy', rounds: 0 });
    await stores.deliberations.save({ ...d, status: 'IN_PROGRESS', currentPhase: 'score' });
    const second = createFleet({ ...stores, turns, clock: testClock(), modelName: 'scripted' });
    expect((await second.start()).interrupted).toEqual(['crashy']);
    expect(await second.deliberations.getDeliberation('crashy')).toMatchObject({
      status: 'FAILED',
      error: expect.stringContaining('during score'),
    });
  });

  it('refuses work until serving and reports unknown ids as NOT_FOUND', async () => {
    const stores = memoryStores();
    const fleet = createFleet({ ...stores, turns: scriptedTurns({}), clock: testClock(), modelName: 'scripted' });
    await fleet.start();
    await expect(fleet.deliberations.deliberate(command)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(fleet.deliberations.getDeliberation('nope')).rejects.toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    await expect(fleet.deliberations.watch('nope', () => {})).rejects.toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });
});

describe('deliberations of other processes', () => {
  it('fails at startup only the unfinished deliberations whose process is gone', async () => {
    const stores = memoryStores();
    const turns = scriptedTurns({});
    const first = createFleet({
      ...stores,
      turns,
      clock: testClock(),
      modelName: 'scripted',
      owners: { self: 'host:1:a', isAlive: () => true },
    });
    await first.start();
    first.deliberations.setServing(true);
    const d = await first.deliberations.deliberate({ ...command, taskId: 'elsewhere', rounds: 0 });
    await stores.deliberations.save({ ...d, taskId: 'alive', status: 'IN_PROGRESS', owner: 'host:2:b' });
    await stores.deliberations.save({ ...d, taskId: 'dead', status: 'IN_PROGRESS', owner: 'host:3:c' });

    const second = createFleet({
      ...stores,
      turns,
      clock: testClock(),
      modelName: 'scripted',
      owners: { self: 'host:4:d', isAlive: (o) => o === 'host:2:b' },
    });
    expect((await second.start()).interrupted).toEqual(['dead']);
    expect((await second.deliberations.getDeliberation('alive')).status).toBe('IN_PROGRESS');
    second.deliberations.setServing(true);
    // Watching one that runs elsewhere is refused rather than reported as finished.
    await expect(second.deliberations.watch('alive', () => {})).rejects.toThrow(expect.objectContaining({ code: 'FAILED_PRECONDITION' }));
    // And it is not started a second time here.
    await expect(second.deliberations.deliberate({ ...command, taskId: 'alive' })).rejects.toMatchObject({ code: 'FAILED_PRECONDITION' });
  });
});

describe('progress, partial results and options', () => {
  it('counts turns into a progress percent that only rises, re-counted when an agent drops out', async () => {
    // dev-3 fails to propose: from then on two proposals, so fewer turns ahead.
    const turns = scriptedTurns({
      propose: async (agent) => {
        if (agent.id === 'dev-3') throw new FleetError('UNAVAILABLE', 'model crashed');
        return content(agent.id, ['Failed attempts are logged']);
      },
    });
    const { fleet } = await service(turns);
    const events: DeliberationEvent[] = [];
    const d = await fleet.deliberations.orchestrate({ ...command, rounds: 1 }, { onEvent: (e) => events.push(e) });
    expect(d.status).toBe('COMPLETED');

    const progress = events.map((e) => e.progressPercent!);
    expect(progress.every((p) => Number.isInteger(p) && p >= 0 && p <= 100)).toBe(true);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.at(-1)).toBe(100);
    // 3 propose turns, then 2 critiques + 2 revisions + 2 judgements + 1 choice: 12 turns in all.
    const phaseStart = (phase: string) => events.find((e) => e.type === 'phase' && e.phase === phase)!.progressPercent;
    expect(phaseStart('critique')).toBe(Math.floor((100 * 3) / 10));
    expect(phaseStart('score')).toBe(Math.floor((100 * 7) / 10));
    expect(phaseStart('choose')).toBe(Math.floor((100 * 9) / 10));
    expect(events.filter((e) => e.progressPercent === 100).map((e) => e.type)).toEqual(['status', 'finished']);
  });

  it('reports each proposal as it is scored, unranked, before the ranking', async () => {
    const { fleet } = await service(scriptedTurns({ judgeScore: (id) => (id === 'dev-2' ? 9 : 4) }));
    const events: DeliberationEvent[] = [];
    const d = await fleet.deliberations.deliberate({ ...command, rounds: 0 }, { onEvent: (e) => events.push(e) });
    const scored = events.flatMap((e) => (e.type === 'scored' ? [e.result] : []));
    expect(scored.map((r) => r.proposal.authorId).sort()).toEqual(['dev-1', 'dev-2', 'dev-3']);
    expect(scored.every((r) => r.rank === 0)).toBe(true);
    const rankAt = events.findIndex((e) => e.type === 'phase' && e.phase === 'rank');
    expect(events.findLastIndex((e) => e.type === 'scored')).toBeLessThan(rankAt);
    expect(scored.find((r) => r.proposal.authorId === 'dev-2')!.score).toEqual(d.results[0]!.score);
  });

  it('honours peer review off and the ARCHITECT selection off, and records story and plan', async () => {
    const turns = scriptedTurns({});
    const { fleet } = await service(turns);
    const events: DeliberationEvent[] = [];
    const d = await fleet.deliberations.orchestrate(
      { ...command, rounds: 2, peerReview: false, architectSelection: false, storyId: 'story-1', planId: 'plan-1' },
      { onEvent: (e) => events.push(e) },
    );
    expect(events.every((e) => e.storyId === 'story-1')).toBe(true);
    expect(turns.calls.filter((c) => /^(critique|revise|choose)/.test(c))).toEqual([]);
    expect(d).toMatchObject({ rounds: 0, task: { storyId: 'story-1', planId: 'plan-1' } });
    expect(d.orchestrated).toBeUndefined();
    expect(d.decision).toBeUndefined();

    const reviewed = await fleet.deliberations.orchestrate({ ...command, rounds: 1 });
    expect(reviewed.orchestrated).toBe(true);
    expect(reviewed.decision?.chosenId).toBe(reviewed.winnerId);
  });
});
