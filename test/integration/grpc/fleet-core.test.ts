import { status } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startGrpcServer, type GrpcServer } from '../../../core/adapters/grpc/grpc-server.js';
import { createFleet } from '../../../core/app/fleet.js';
import type { ProposalContent } from '../../../core/domain/proposal.js';
import type { AgentTurns, TurnContext, TurnOutput } from '../../../core/ports/agent-turns.js';
import { DeliberationStatus, UpdateType } from '../../../proto/gen/fleet/orchestrator/v1/orchestrator.js';
import { collectStream, connectFleetClient, deadlineIn, type FleetGrpcClient } from '../../support/grpc-client.js';
import { memoryStores, testClock } from '../../support/memory-stores.js';

const out = <T>(value: T): TurnOutput<T> => ({ value, raw: JSON.stringify(value), completionTokens: 10, durationMs: 1 });
const content = (id: string): ProposalContent => ({
  summary: `Proposal of ${id}: wrap the uploader in a retry loop.`,
  approach: 'Exponential backoff from 200 ms, at most five attempts, each logged.',
  risks: 'Retries can hide an outage.',
  requirements: ['Failed uploads are retried with backoff'],
});

/** Turns that answer at once, or wait for the abort when `hang` is set, so the adapter meets the real use case. */
function turns(hang: { value: boolean }): AgentTurns {
  const wait = (ctx: TurnContext): Promise<never> =>
    new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true }));
  return {
    propose: async (agent, _t, ctx) => (hang.value ? wait(ctx) : out(content(agent.id))),
    critique: async () => out({ feedback: 'say how retries are capped', issues: ['cap'] }),
    revise: async (_a, _t, p) => out(p.content),
    judge: async (_t, p) => out({ scores: { correctness: p.authorId === 'dev-2' ? 9 : 5 }, comment: 'ok' }),
    choose: async (_a, _t, candidates) => out({ chosenId: candidates[0]!.proposal.authorId, rationale: 'best' }),
  };
}

describe('gRPC adapter over the real use cases (scripted turns)', () => {
  const hang = { value: false };
  let server: GrpcServer;
  let client: FleetGrpcClient;
  beforeEach(async () => {
    hang.value = false;
    const fleet = createFleet({ ...memoryStores(), turns: turns(hang), clock: testClock(), modelName: 'scripted' });
    await fleet.start();
    fleet.deliberations.setServing(true);
    server = await startGrpcServer({ fleet, version: 'test', port: 0 });
    server.setServing(true);
    client = connectFleetClient(`127.0.0.1:${server.port}`);
  });
  afterEach(async () => {
    client.close();
    await server.stop();
  });

  it('deliberates, then finds the result by task id', async () => {
    const response = await client.deliberate({ taskId: 'up-1', taskDescription: 'Add retries to the uploader', role: 'DEV', numAgents: 2 });
    expect(response).toMatchObject({ taskId: 'up-1', status: DeliberationStatus.DELIBERATION_STATUS_COMPLETED, winnerId: 'dev-2' });
    expect(response.results.map((r) => r.rank)).toEqual([1, 2]);

    const stored = await client.getDeliberationResult({ taskId: 'up-1' });
    expect(stored).toMatchObject({ status: DeliberationStatus.DELIBERATION_STATUS_COMPLETED, winnerId: 'dev-2' });
  });

  it('streams a deliberation it starts, then answers a watch of the finished one with one update', async () => {
    const updates = await collectStream(client.streamDeliberation({ taskId: 'up-2', taskDescription: 'Add retries', role: 'DEV' }));
    expect(updates[0]).toMatchObject({
      type: UpdateType.UPDATE_TYPE_STATUS,
      deliberationStatus: DeliberationStatus.DELIBERATION_STATUS_IN_PROGRESS,
    });
    // Progress comes from the real use case's turn count: it never goes back and ends at 100.
    const progress = updates.map((u) => u.progressPercent);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.at(-1)).toBe(100);
    expect(progress.filter((p) => p > 0 && p < 100).length).toBeGreaterThan(0);
    expect(
      updates
        .filter((u) => u.type === UpdateType.UPDATE_TYPE_SCORED)
        .map((u) => u.partialResult?.proposal?.authorId)
        .sort(),
    ).toEqual(
      updates
        .at(-1)!
        .result!.results.map((r) => r.proposal!.authorId)
        .sort(),
    );
    expect(updates.filter((u) => u.type === UpdateType.UPDATE_TYPE_FINISHED)).toHaveLength(1);
    expect(updates.at(-1)?.type).toBe(UpdateType.UPDATE_TYPE_FINISHED);
    expect(updates.map((u) => u.atMs)).toEqual([...updates.map((u) => u.atMs)].sort((a, b) => a - b));

    const watched = await collectStream(client.streamDeliberation({ taskId: 'up-2' }));
    expect(watched.map((u) => u.type)).toEqual([UpdateType.UPDATE_TYPE_FINISHED]);
  });

  it('stops generation at the deadline and records the deliberation as TIMEOUT', async () => {
    hang.value = true;
    await expect(
      client.deliberate({ taskId: 'up-3', taskDescription: 'Add retries', role: 'DEV' }, { deadline: deadlineIn(150) }),
    ).rejects.toMatchObject({ code: status.DEADLINE_EXCEEDED });

    let result = await client.getDeliberationResult({ taskId: 'up-3' });
    for (let i = 0; i < 50 && result.status === DeliberationStatus.DELIBERATION_STATUS_IN_PROGRESS; i++) {
      await new Promise((r) => setTimeout(r, 10));
      result = await client.getDeliberationResult({ taskId: 'up-3' });
    }
    expect(result.status).toBe(DeliberationStatus.DELIBERATION_STATUS_TIMEOUT);
  });
});
