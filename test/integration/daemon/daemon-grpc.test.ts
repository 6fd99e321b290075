import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DeliberationStatus, UpdateType } from '../../../proto/gen/fleet/orchestrator/v1/orchestrator.js';
import { collectStream, connectFleetClient, deadlineIn, type FleetGrpcClient } from '../../support/grpc-client.js';
import { type DaemonProcess, startDaemon, tempDataDir } from '../../support/fleet-process.js';

// The real daemon (`fleet serve --model tiny`) as a child process, driven by a grpc-js client over
// loopback: llama.cpp, SQLite and gRPC all for real.

describe('fleet serve over gRPC', () => {
  const dataDir = tempDataDir();
  let daemon: DaemonProcess;
  let client: FleetGrpcClient;
  const connect = async () => {
    daemon = await startDaemon(dataDir);
    client = connectFleetClient(`127.0.0.1:${daemon.port}`);
  };

  beforeAll(connect);
  afterAll(async () => {
    client.close();
    await daemon.stop();
  });

  it('reports SERVING on grpc.health.v1', async () => {
    expect(await client.health()).toBe('SERVING');
    expect(await client.health('fleet.orchestrator.v1.OrchestratorService')).toBe('SERVING');
  });

  it('lists the five default councils with their model', async () => {
    const { councils } = await client.listCouncils({ includeAgents: true });
    expect(councils.map((c) => c.role).sort()).toEqual(['ARCHITECT', 'DATA', 'DEV', 'DEVOPS', 'QA']);
    for (const c of councils) {
      expect(c.model).toBe('tiny');
      expect(c.numAgents).toBe(3);
      expect(c.agents).toHaveLength(3);
    }
  });

  let deliberated: Awaited<ReturnType<FleetGrpcClient['deliberate']>>;
  it('deliberates: N ranked results and a winner', async () => {
    deliberated = await client.deliberate({
      taskId: 'grpc-task-1',
      taskDescription: 'Add retries to the artifact uploader',
      role: 'DEV',
      numAgents: 3,
      rounds: 1,
      constraints: { requirements: ['Failed uploads are retried with backoff'] },
    });
    expect(deliberated.taskId).toBe('grpc-task-1');
    expect(deliberated.status).toBe(DeliberationStatus.DELIBERATION_STATUS_COMPLETED);
    expect(deliberated.results.map((r) => r.rank)).toEqual([1, 2, 3]);
    expect(deliberated.winnerId).toBe(deliberated.results[0]!.proposal!.authorId);
    expect(deliberated.durationMs).toBeGreaterThan(0);
    for (const r of deliberated.results) {
      expect(r.score).toBeGreaterThanOrEqual(0);
      expect(r.checks?.additionalChecks.length).toBeGreaterThan(0);
      expect(r.proposal?.content.length).toBeGreaterThan(0);
    }
  });

  it("streams a deliberation's phases in order, ending with the result", async () => {
    const updates = await collectStream(
      client.streamDeliberation({
        taskId: 'grpc-stream-1',
        taskDescription: 'Plan the QA for the uploader retries',
        role: 'QA',
        numAgents: 2,
        rounds: 1,
      }),
    );
    const phases = updates.filter((u) => u.type === UpdateType.UPDATE_TYPE_PHASE).map((u) => u.phase);
    expect(phases).toEqual(['propose', 'critique', 'revise', 'score', 'rank']);
    const last = updates.at(-1)!;
    expect(last.type).toBe(UpdateType.UPDATE_TYPE_FINISHED);
    expect(last.result?.results).toHaveLength(2);
    expect(updates.some((u) => u.type === UpdateType.UPDATE_TYPE_AGENT && u.state === 'done')).toBe(true);
  });

  const rejection = async (call: Promise<unknown>): Promise<ServiceError> => {
    try {
      await call;
    } catch (e) {
      return e as ServiceError;
    }
    throw new Error('expected the call to fail');
  };

  it.each([
    ['task_description', { taskDescription: '   ', role: 'DEV' }],
    ['role', { taskDescription: 'x', role: 'CEO' }],
    ['num_agents', { taskDescription: 'x', role: 'DEV', numAgents: 9 }],
    ['rounds', { taskDescription: 'x', role: 'DEV', rounds: 6 }],
  ])('refuses bad input naming %s, and keeps serving', async (field, request) => {
    const error = await rejection(client.deliberate(request));
    expect(error.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(error.details).toContain(field);
    expect(await client.health()).toBe('SERVING');
  });

  it('answers NOT_FOUND for an unknown task id', async () => {
    const error = await rejection(client.getDeliberationResult({ taskId: 'no-such-task' }));
    expect(error.code).toBe(GrpcStatus.NOT_FOUND);
  });

  it('stops generation at the call deadline: DEADLINE_EXCEEDED, recorded as TIMEOUT', async () => {
    const error = await rejection(
      client.deliberate(
        // Eight agents and five review rounds take seconds even on the tiny model.
        {
          taskId: 'grpc-deadline',
          taskDescription: 'Write a long design',
          role: 'ARCHITECT',
          numAgents: 8,
          rounds: 5,
          constraints: { maxTokens: 8192 },
        },
        { deadline: deadlineIn(300) },
      ),
    );
    expect(error.code).toBe(GrpcStatus.DEADLINE_EXCEEDED);
    // The server saw the deadline too and recorded the outcome.
    let result = await client.getDeliberationResult({ taskId: 'grpc-deadline' });
    for (let i = 0; i < 20 && result.status === DeliberationStatus.DELIBERATION_STATUS_IN_PROGRESS; i++) {
      await new Promise((r) => setTimeout(r, 100));
      result = await client.getDeliberationResult({ taskId: 'grpc-deadline' });
    }
    expect(result.status).toBe(DeliberationStatus.DELIBERATION_STATUS_TIMEOUT);
  });

  it('returns the same result after a daemon restart', async () => {
    client.close();
    expect(await daemon.stop()).toBe(0);
    await connect();
    const result = await client.getDeliberationResult({ taskId: 'grpc-task-1' });
    expect(result.status).toBe(DeliberationStatus.DELIBERATION_STATUS_COMPLETED);
    expect(result.winnerId).toBe(deliberated.winnerId);
    expect(result.durationMs).toBe(deliberated.durationMs);
    expect(result.results).toEqual(deliberated.results);
  });
});
