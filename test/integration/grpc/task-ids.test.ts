import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startGrpcServer, type GrpcServer } from '../../../core/adapters/grpc/grpc-server.js';
import { createSqliteStores, type SqliteStores } from '../../../core/adapters/sqlite/sqlite-stores.js';
import { createFleet } from '../../../core/app/fleet.js';
import { FleetError } from '../../../core/domain/errors.js';
import type { ProposalContent } from '../../../core/domain/proposal.js';
import type { AgentTurns, TurnOutput } from '../../../core/ports/agent-turns.js';
import { DeliberationStatus } from '../../../proto/gen/fleet/orchestrator/v1/orchestrator.js';
import { connectFleetClient, type FleetGrpcClient } from '../../support/grpc-client.js';
import { testClock } from '../../support/memory-stores.js';
import { useTempDir } from '../sqlite/temp-dir.js';

// Task ids over the wire, against the real use case and SQLite: a reused id is the same task (its
// stored result, or after a failure its next attempt), or, with other parameters, refused.

const out = <T>(value: T): TurnOutput<T> => ({ value, raw: JSON.stringify(value), completionTokens: 10, durationMs: 1 });
const content = (id: string): ProposalContent => ({
  summary: `Proposal of ${id}: wrap the uploader in a retry loop.`,
  approach: 'Exponential backoff from 200 ms, at most five attempts, each logged.',
  risks: 'Retries can hide an outage.',
  requirements: ['Failed uploads are retried with backoff'],
});

const dir = useTempDir();

describe('task ids over gRPC', () => {
  const script = { failing: false, proposals: 0 };
  const turns: AgentTurns = {
    propose: async (agent) => {
      script.proposals++;
      if (script.failing) throw new FleetError('UNAVAILABLE', `${agent.id}: model crashed`);
      return out(content(agent.id));
    },
    critique: async () => out({ feedback: 'say how retries are capped', issues: ['cap'] }),
    revise: async (_a, _t, p) => out(p.content),
    judge: async () => out({ scores: { correctness: 7 }, comment: 'ok' }),
    choose: async (_a, _t, candidates) => out({ chosenId: candidates[0]!.proposal.authorId, rationale: 'best' }),
  };
  let stores: SqliteStores;
  let server: GrpcServer;
  let client: FleetGrpcClient;
  beforeEach(async () => {
    Object.assign(script, { failing: false, proposals: 0 });
    stores = createSqliteStores(join(dir(), 'fleet.db'));
    const fleet = createFleet({ ...stores, turns, clock: testClock(), modelName: 'scripted' });
    await fleet.start();
    fleet.deliberations.setServing(true);
    server = await startGrpcServer({ fleet, version: 'test', port: 0, onLog: () => undefined });
    server.setServing(true);
    client = connectFleetClient(`127.0.0.1:${server.port}`);
  });
  afterEach(async () => {
    client.close();
    await server.stop();
    stores.close();
  });

  const request = { taskId: 'up-1', taskDescription: 'Add retries to the uploader', role: 'DEV', numAgents: 2 };

  it('runs a task id whose deliberation failed again as attempt 2, and answers with the latest attempt and the earlier ones', async () => {
    script.failing = true;
    await expect(client.deliberate(request)).rejects.toMatchObject({
      code: status.INTERNAL,
      details: expect.stringMatching(/^every agent failed to propose/),
    });
    const failed = await client.getDeliberationResult({ taskId: 'up-1' });
    expect(failed).toMatchObject({ status: DeliberationStatus.DELIBERATION_STATUS_FAILED, detail: { attempt: 1, earlierAttempts: [] } });

    script.failing = false;
    const retried = await client.deliberate(request);
    expect(retried).toMatchObject({ status: DeliberationStatus.DELIBERATION_STATUS_COMPLETED, detail: { attempt: 2 } });
    const latest = await client.getDeliberationResult({ taskId: 'up-1' });
    expect(latest.status).toBe(DeliberationStatus.DELIBERATION_STATUS_COMPLETED);
    expect(latest.results).toHaveLength(2);
    expect(latest.detail!.attempt).toBe(2);
    expect(latest.detail!.earlierAttempts).toEqual([
      {
        attempt: 1,
        status: DeliberationStatus.DELIBERATION_STATUS_FAILED,
        errorMessage: failed.errorMessage,
        createdAtMs: failed.detail!.createdAtMs,
        finishedAtMs: expect.any(Number),
      },
    ]);
    expect(latest.detail!.earlierAttempts[0]!.errorMessage).toMatch(/dev-1: model crashed/);
    // Attempt 1's whole record is kept for audit.
    expect((await stores.deliberations.attempts('up-1')).map((d) => [d.attempt, d.status])).toEqual([[1, 'FAILED']]);
  });

  it('refuses the task id with another description as ALREADY_EXISTS naming task_description, whatever became of it', async () => {
    await client.deliberate(request);
    const refused = client.deliberate({ ...request, taskDescription: 'Add retries to the downloader' });
    await expect(refused).rejects.toMatchObject({
      code: status.ALREADY_EXISTS,
      details: expect.stringContaining(
        'task_id up-1 names another task: it differs in task_description (stored "Add retries to the uploader", given "Add retries to the downloader")',
      ),
    });
    script.failing = true;
    await expect(client.deliberate({ ...request, taskId: 'up-2' })).rejects.toMatchObject({ code: status.INTERNAL });
    await expect(
      client.deliberate({ ...request, taskId: 'up-2', constraints: { requirements: ['Retries are logged'] } }),
    ).rejects.toMatchObject({ code: status.ALREADY_EXISTS, details: expect.stringContaining('constraints.requirements') });
    // Nothing ran for either refusal.
    expect(script.proposals).toBe(4);
  });

  it('answers a completed task id asked again with the same parameters with the stored result, running nothing', async () => {
    const first = await client.deliberate(request);
    const again = await client.deliberate(request);
    expect(again).toEqual(first);
    expect(again.detail!.attempt).toBe(1);
    expect(script.proposals).toBe(2);
  });
});
