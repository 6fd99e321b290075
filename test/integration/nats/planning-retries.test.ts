import { join } from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterEach, describe, expect, it } from 'vitest';
import { listDeadLetters } from '../../../core/adapters/nats/dead-letters.js';
import {
  type PlanningActivity,
  type PlanningConsumerOptions,
  startPlanningConsumer,
} from '../../../core/adapters/nats/planning-consumer.js';
import { createSqliteStores, type SqliteStores } from '../../../core/adapters/sqlite/sqlite-stores.js';
import { createFleet, type Fleet } from '../../../core/app/fleet.js';
import { attemptReasons } from '../../../core/domain/deliberation.js';
import type { Role } from '../../../core/domain/role.js';
import { testClock } from '../../support/memory-stores.js';
import { scriptedTurns, type ScriptOptions } from '../nats-agents/scripted-turns.js';
import { useTempDir } from '../sqlite/temp-dir.js';
import { useNatsServer } from './nats-fixture.js';
import { waitFor } from './processes.js';

// The planning consumer in front of the real use case (the deliberation use case over SQLite, scripted agent
// turns): what a redelivered approval does to a deliberation that failed, and what waits for what.

const nats = useNatsServer();
const dir = useTempDir();
const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function fleetWithPlanning(
  nc: NatsConnection,
  turns: ScriptOptions,
  options: Partial<PlanningConsumerOptions> = {},
): Promise<{ fleet: Fleet; stores: SqliteStores; activity: PlanningActivity[] }> {
  const stores = createSqliteStores(join(dir(), 'fleet.db'));
  cleanups.push(() => stores.close());
  const fleet = createFleet({ ...stores, turns: scriptedTurns(turns), clock: testClock(), modelName: 'scripted' });
  await fleet.start();
  fleet.deliberations.setServing(true);
  const activity: PlanningActivity[] = [];
  const consumer = await startPlanningConsumer({
    nc,
    deliberate: (command) => fleet.deliberations.deliberate(command),
    attemptReasons: async (taskId) => attemptReasons(await fleet.deliberations.getDeliberation(taskId)),
    ...options,
    onActivity: (a) => activity.push(a),
  });
  cleanups.push(() => consumer.stop());
  return { fleet, stores, activity };
}

const approval = (planId: string, roles: Role[], title = 'Retry uploads'): Uint8Array =>
  new TextEncoder().encode(
    JSON.stringify({ story_id: `story-${planId}`, plan_id: planId, approved_by: 'po', roles, title, timestamp: new Date().toISOString() }),
  );

const publish = (nc: NatsConnection, data: Uint8Array) => jetstream(nc).publish('planning.plan.approved', data);
const handled = (activity: PlanningActivity[], planId: string): boolean =>
  activity.some((a) => a.type === 'handled' && a.planId === planId);

describe('planning events and failed deliberations', () => {
  it('runs a deliberation that failed on the first delivery again as attempt 2, keeping attempt 1 for audit', async () => {
    const nc = await nats().connect();
    let failing = true;
    const { stores, activity } = await fleetWithPlanning(
      nc,
      { fail: (method) => (failing && method === 'propose' ? new Error('model crashed') : undefined) },
      { retryDelaysMs: [100] },
    );
    await publish(nc, approval('r1', ['DEV']));
    await waitFor(() => activity.some((a) => a.type === 'retrying'), 'the first delivery to fail');
    failing = false;
    await waitFor(() => handled(activity, 'r1'), 'the retry to complete');

    const d = (await stores.deliberations.get('plan-r1-DEV'))!;
    expect(d).toMatchObject({ status: 'COMPLETED', attempt: 2 });
    expect(d.earlierAttempts).toEqual([
      expect.objectContaining({ attempt: 1, status: 'FAILED', error: expect.stringMatching(/^every agent failed to propose/) }),
    ]);
    expect((await stores.deliberations.attempts('plan-r1-DEV')).map((a) => [a.attempt, a.status])).toEqual([[1, 'FAILED']]);
    // Three failed proposals in attempt 1; attempt 2's turns are its own.
    const turns = await stores.deliberations.turns('plan-r1-DEV');
    expect(turns.filter((t) => t.attempt === 1).map((t) => t.ok)).toEqual([false, false, false]);
    expect(turns.filter((t) => t.attempt === 2).every((t) => t.ok)).toBe(true);
    expect(activity.filter((a) => a.type === 'dead-lettered')).toEqual([]);
  });

  it("dead-letters an event still failing on its last delivery with every attempt's reason", async () => {
    const nc = await nats().connect();
    let proposals = 0;
    const { stores, activity } = await fleetWithPlanning(
      nc,
      { fail: (method) => (method === 'propose' ? new Error(`model crashed (${++proposals})`) : undefined) },
      { maxDeliver: 3, retryDelaysMs: [50] },
    );
    await publish(nc, approval('r2', ['QA']));
    await waitFor(() => activity.some((a) => a.type === 'dead-lettered'), 'giving up');

    const [letter] = await listDeadLetters(nc);
    expect(letter!.deliveries).toBe(3);
    expect(letter!.reason).toMatch(
      /^gave up after 3 deliveries: role QA \(task plan-r2-QA\): attempt 1 FAILED: every agent failed to propose/,
    );
    for (const n of [1, 2, 3]) expect(letter!.reason).toContain(`attempt ${n} FAILED: every agent failed to propose`);
    expect(letter!.reason).toContain('model crashed (1)');
    expect(letter!.reason).toContain('model crashed (9)');
    expect(await stores.deliberations.get('plan-r2-QA')).toMatchObject({ status: 'FAILED', attempt: 3 });
    expect((await stores.deliberations.attempts('plan-r2-QA')).map((a) => a.attempt)).toEqual([1, 2]);
  });

  it('lets a valid approval through at once while four wait for a council that does not exist yet', async () => {
    const nc = await nats().connect();
    // A long delay: a waiting retry that held anything up would hold it up for this long.
    const { fleet, activity } = await fleetWithPlanning(nc, {}, { retryDelaysMs: [60_000] });
    for (const council of await fleet.councils.listCouncils('QA')) await fleet.councils.deleteCouncil(council.id);
    for (let i = 1; i <= 4; i++) await publish(nc, approval(`qa-${i}`, ['QA']));
    await waitFor(() => activity.filter((a) => a.type === 'retrying').length === 4, 'four approvals waiting for a QA council');

    const started = Date.now();
    await publish(nc, approval('dev-1', ['DEV']));
    await waitFor(() => handled(activity, 'dev-1'), 'the DEV approval', 5_000);
    expect(Date.now() - started).toBeLessThan(3_000);

    const waiting = activity.filter((a) => a.type === 'retrying');
    expect(waiting.map((a) => a.schedule)).toEqual(Array(4).fill('waiting for a QA council: retry 1 of 4 in 60 s'));
    expect(waiting[0]!.reason).toMatch(/^role QA \(task plan-qa-1-QA\): FAILED_PRECONDITION: no council for role QA/);
  });

  it('runs an approval that waited for a council once the council exists', async () => {
    const nc = await nats().connect();
    const { fleet, activity, stores } = await fleetWithPlanning(nc, {}, { retryDelaysMs: [300] });
    for (const council of await fleet.councils.listCouncils('DATA')) await fleet.councils.deleteCouncil(council.id);
    await publish(nc, approval('data-1', ['DATA']));
    await waitFor(() => activity.some((a) => a.type === 'retrying'), 'the approval to wait');
    await fleet.councils.createCouncil({ role: 'DATA', numAgents: 2 });
    await waitFor(() => handled(activity, 'data-1'), 'the approval once the council exists');
    // Refused before it ran, so this is the task's first attempt.
    expect(await stores.deliberations.get('plan-data-1-DATA')).toMatchObject({ status: 'COMPLETED', attempt: 1 });
  });

  it('dead-letters an approval that reuses a plan id for another task, naming what differs', async () => {
    const nc = await nats().connect();
    const { activity } = await fleetWithPlanning(nc, {});
    await publish(nc, approval('p-same', ['DEV'], 'Retry uploads'));
    await waitFor(() => handled(activity, 'p-same'), 'the first approval');
    await publish(nc, approval('p-same', ['DEV'], 'Something else entirely'));
    await waitFor(() => activity.some((a) => a.type === 'dead-lettered'), 'the second approval refused');
    const [letter] = await listDeadLetters(nc);
    expect(letter!.deliveries).toBe(1);
    expect(letter!.reason).toMatch(
      /^refused: role DEV \(task plan-p-same-DEV\): ALREADY_EXISTS: task_id plan-p-same-DEV names another task: it differs in task_description \(stored "Retry uploads", given "Something else entirely"\)/,
    );
  });
});
