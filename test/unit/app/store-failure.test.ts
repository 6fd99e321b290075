import { describe, expect, it } from 'vitest';

import { createFleet } from '../../../core/app/fleet.js';
import { FleetError } from '../../../core/domain/errors.js';
import type { ProposalContent } from '../../../core/domain/proposal.js';
import type { AgentTurns, TurnContext, TurnOutput } from '../../../core/ports/agent-turns.js';
import { memoryStores, testClock } from '../../support/memory-stores.js';

// The store's disk fills while deliberations run: the service fails them at once with the reason,
// refuses new ones, says NOT_SERVING, and when there is room again records what it could not save.

const out = <T>(value: T): TurnOutput<T> => ({ value, raw: JSON.stringify(value), completionTokens: 10, durationMs: 1 });
const content: ProposalContent = { summary: 'Retry uploads.', approach: 'Backoff.', risks: 'None.', requirements: [] };
const diskFull = new FleetError('RESOURCE_EXHAUSTED', 'disk full: /data (0.0 MiB free)');
const command = { description: 'Add retries to the artifact uploader', role: 'DEV' as const, rounds: 1 };

/** Turns that answer at once, except proposals, which wait for `release` (or their signal). */
function turnsHeldAtPropose(): AgentTurns & { release(): void } {
  let release = (): void => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const held = (ctx: TurnContext): Promise<void> =>
    new Promise((resolve, reject) => {
      ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error), { once: true });
      void gate.then(resolve);
    });
  return {
    release: () => release(),
    propose: async (_agent, _task, ctx) => {
      await held(ctx);
      return out(content);
    },
    critique: () => Promise.resolve(out({ feedback: 'ok', issues: [] })),
    revise: (_a, _t, proposal) => Promise.resolve(out(proposal.content)),
    judge: () => Promise.resolve(out({ scores: { correctness: 5 }, comment: 'ok' })),
    choose: (_a, _t, candidates) => Promise.resolve(out({ chosenId: candidates[0]!.proposal.authorId, rationale: 'first' })),
  };
}

async function service(turns: AgentTurns, options: { failSaves?: () => boolean } = {}) {
  const stores = memoryStores();
  const deliberations = {
    ...stores.deliberations,
    save: async (d: Parameters<typeof stores.deliberations.save>[0]) => {
      if (options.failSaves?.() === true) throw diskFull;
      await stores.deliberations.save(d);
    },
  };
  const fleet = createFleet({ councils: stores.councils, deliberations, turns, clock: testClock(), modelName: 'scripted' });
  await fleet.start();
  fleet.deliberations.setServing(true);
  return { fleet, stores };
}

describe('a store that cannot write', () => {
  it('fails running deliberations with its reason, refuses new ones and says NOT_SERVING, until it can again', async () => {
    const turns = turnsHeldAtPropose();
    const { fleet, stores } = await service(turns);
    const running = fleet.deliberations.deliberate({ ...command, taskId: 'running' }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 10));

    await fleet.deliberations.setStoreFailure(diskFull);
    expect(await running).toBe(diskFull);
    expect(await stores.deliberations.get('running')).toMatchObject({ status: 'FAILED', error: diskFull.message });
    await expect(fleet.deliberations.deliberate({ ...command, taskId: 'new' })).rejects.toBe(diskFull);
    expect(await stores.deliberations.get('new')).toBeUndefined();
    expect((await fleet.status.status()).status).toBe('NOT_SERVING');

    await fleet.deliberations.setStoreFailure(undefined);
    expect((await fleet.status.status()).status).toBe('SERVING');
    turns.release();
    expect((await fleet.deliberations.deliberate({ ...command, taskId: 'after' })).status).toBe('COMPLETED');
  });

  it('saves FAILED, once it can write again, a deliberation whose last save the full disk refused', async () => {
    const turns = turnsHeldAtPropose();
    let full = false;
    const { fleet, stores } = await service(turns, { failSaves: () => full });
    const running = fleet.deliberations.deliberate({ ...command, taskId: 'stranded' }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 10));

    full = true;
    await fleet.deliberations.setStoreFailure(diskFull);
    expect(((await running) as FleetError).code).toBe('RESOURCE_EXHAUSTED');
    expect((await stores.deliberations.get('stranded'))?.status).toBe('IN_PROGRESS');

    full = false;
    await fleet.deliberations.setStoreFailure(undefined);
    expect(await stores.deliberations.get('stranded')).toMatchObject({ status: 'FAILED', error: diskFull.message });
  });

  it('ends a deliberation at the first turn that found the disk full, rather than counting it an agent failure', async () => {
    const turns = turnsHeldAtPropose();
    const { fleet, stores } = await service({ ...turns, propose: () => Promise.reject(diskFull) });
    await expect(fleet.deliberations.deliberate({ ...command, taskId: 'nats-full' })).rejects.toBe(diskFull);
    const d = await stores.deliberations.get('nats-full');
    expect(d).toMatchObject({ status: 'FAILED', error: diskFull.message });
    expect(d?.failures).toEqual([]);
  });
});
