import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';

import { createFleet } from '../../../core/app/fleet.js';
import { attemptReasons, nextAttempt } from '../../../core/domain/deliberation.js';
import { FleetError } from '../../../core/domain/errors.js';
import type { ProposalContent } from '../../../core/domain/proposal.js';
import type { AgentTurns, TurnContext, TurnOutput } from '../../../core/ports/agent-turns.js';
import type { DeliberateCommand } from '../../../core/ports/deliberation-service.js';
import { memoryStores, testClock } from '../../support/memory-stores.js';

// A task id names one task: the same parameters again are the same deliberation (or, after a failure,
// its next attempt); other parameters under it are another task, refused.

const out = <T>(value: T): TurnOutput<T> => ({ value, raw: JSON.stringify(value), completionTokens: 10, durationMs: 1 });
const content: ProposalContent = {
  summary: 'Retry uploads with backoff.',
  approach: 'Wrap the uploader in a retry loop with jitter.',
  risks: 'Duplicate uploads.',
  requirements: ['Retries are logged'],
};

/** Turns that fail every proposal while `failing()` says so, recording each call's attempt. */
function turns(failing: () => boolean = () => false, propose?: (ctx: TurnContext) => Promise<void>) {
  const attempts: number[] = [];
  const t: AgentTurns = {
    async propose(_agent, _task, ctx) {
      attempts.push(ctx.attempt ?? 1);
      await propose?.(ctx);
      if (failing()) throw new FleetError('UNAVAILABLE', 'model crashed');
      return out(content);
    },
    critique: async () => out({ feedback: 'name the limits', issues: [] }),
    revise: async () => out(content),
    judge: async () => out({ scores: { correctness: 7 }, comment: 'ok' }),
    choose: async (_a, _t, candidates) => out({ chosenId: candidates[0]!.proposal.authorId, rationale: 'first' }),
  };
  return { turns: t, attempts };
}

async function service(agentTurns: AgentTurns, stores = memoryStores()) {
  const fleet = createFleet({ ...stores, turns: agentTurns, clock: testClock(), modelName: 'scripted' });
  await fleet.start();
  fleet.deliberations.setServing(true);
  return { fleet, stores };
}

const command: DeliberateCommand = {
  taskId: 'task-1',
  description: 'Retry failed artifact uploads',
  role: 'DEV',
  requirements: ['Retries are logged'],
  rounds: 0,
};

const refusal = async (promise: Promise<unknown>): Promise<FleetError> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FleetError);
  return error as FleetError;
};

describe('task ids and attempts', () => {
  it('runs a failed task id again as attempt 2, with attempt 1 summarised on the record and kept whole in the store', async () => {
    let failing = true;
    const t = turns(() => failing);
    const { fleet, stores } = await service(t.turns);
    await expect(fleet.deliberations.deliberate(command)).rejects.toMatchObject({ code: 'INTERNAL' });
    const first = (await stores.deliberations.get('task-1'))!;
    expect(first).toMatchObject({ status: 'FAILED', attempt: 1 });

    failing = false;
    const second = await fleet.deliberations.deliberate(command);
    expect(second).toMatchObject({ status: 'COMPLETED', attempt: 2 });
    expect(second.earlierAttempts).toEqual([
      { attempt: 1, status: 'FAILED', error: first.error, createdAtMs: first.createdAtMs, finishedAtMs: first.finishedAtMs },
    ]);
    expect(await stores.deliberations.attempts('task-1')).toEqual([first]);
    expect(await fleet.deliberations.getDeliberation('task-1')).toEqual(second);
    // The turns knew which attempt they served (the NATS adapter names its requests after it).
    expect(t.attempts).toEqual([1, 1, 1, 2, 2, 2]);
    expect((await stores.deliberations.turns('task-1')).map((x) => [x.attempt, x.ok])).toEqual([
      ...Array(3).fill([1, false]),
      ...Array(6).fill([2, true]),
    ]);
    expect(attemptReasons(second)).toEqual([`attempt 1 FAILED: ${first.error}`]);
  });

  it('runs a task id again after a timeout, a cancellation and an interruption, counting every attempt', async () => {
    const stores = memoryStores();
    let stall = true;
    const t = turns(
      () => false,
      (ctx) => (stall ? sleep(60_000, undefined, { signal: ctx.signal }) : Promise.resolve()),
    );
    const { fleet } = await service(t.turns, stores);
    await expect(fleet.deliberations.deliberate({ ...command, timeoutMs: 30 })).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
    const stop = new AbortController();
    const cancelled = fleet.deliberations.deliberate({ ...command, timeoutMs: 30 }, { signal: stop.signal });
    stop.abort();
    await expect(cancelled).rejects.toMatchObject({ code: 'CANCELLED' });
    // A crash leaves attempt 3 running; the next start finds it and fails it as interrupted.
    const left = (await stores.deliberations.get('task-1'))!;
    await stores.deliberations.save({ ...left, ...nextAttempt(left), status: 'IN_PROGRESS', error: undefined });
    const restarted = (await service(t.turns, stores)).fleet;

    stall = false;
    const done = await restarted.deliberations.deliberate({ ...command, timeoutMs: 30 });
    expect(done).toMatchObject({ status: 'COMPLETED', attempt: 4 });
    expect(done.earlierAttempts?.map((a) => [a.attempt, a.status])).toEqual([
      [1, 'TIMEOUT'],
      [2, 'CANCELLED'],
      [3, 'FAILED'],
    ]);
    expect(attemptReasons(done)[2]).toMatch(/^attempt 3 FAILED: interrupted/);
  });

  it('returns the stored result for a completed task id asked again with the same parameters, running nothing', async () => {
    const t = turns();
    const { fleet } = await service(t.turns);
    const first = await fleet.deliberations.deliberate(command);
    // Defaults spelled out are the same parameters.
    const again = await fleet.deliberations.deliberate({ ...command, rubric: ['correctness', 'completeness', 'clarity', 'feasibility'] });
    expect(again).toEqual(first);
    expect(again.attempt).toBe(1);
    expect(t.attempts).toHaveLength(3);
  });

  it('refuses a task id reused for another task with ALREADY_EXISTS naming what differs, completed, failed or running', async () => {
    let failing = false;
    const t = turns(() => failing);
    const { fleet } = await service(t.turns);
    await fleet.deliberations.deliberate(command);

    const described = await refusal(fleet.deliberations.deliberate({ ...command, description: 'Retry failed uploads, faster' }));
    expect(described).toMatchObject({ code: 'ALREADY_EXISTS', field: 'task_description' });
    expect(described.message).toBe(
      'task_id task-1 names another task: it differs in task_description (stored "Retry failed artifact uploads", ' +
        'given "Retry failed uploads, faster"); use a new task id',
    );
    const several = await refusal(fleet.deliberations.deliberate({ ...command, role: 'QA', requirements: [], maxTokens: 64 }));
    expect(several.field).toBe('role');
    expect(several.message).toContain('role (stored "DEV", given "QA"), constraints.requirements');
    expect(several.message).toContain('constraints.max_tokens (stored 512, given 64)');

    failing = true;
    await expect(fleet.deliberations.deliberate({ ...command, taskId: 'task-2' })).rejects.toMatchObject({ code: 'INTERNAL' });
    const failed = await refusal(fleet.deliberations.deliberate({ ...command, taskId: 'task-2', timeoutMs: 5_000 }));
    expect(failed).toMatchObject({ code: 'ALREADY_EXISTS', field: 'constraints.timeout_seconds' });

    failing = false;
    const running = fleet.deliberations.deliberate({ ...command, taskId: 'task-3' });
    const meanwhile = await refusal(fleet.deliberations.deliberate({ ...command, taskId: 'task-3', rubric: ['speed'] }));
    expect(meanwhile).toMatchObject({ code: 'ALREADY_EXISTS', field: 'constraints.rubric' });
    await running;
    // task-1, the failed task-2 and task-3 once each: a refusal runs nothing.
    expect(t.attempts).toHaveLength(9);
  });
});
