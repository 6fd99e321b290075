import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { afterEach, describe, expect, it } from 'vitest';

import { connectNats } from '../../../core/adapters/nats/connect.js';
import { listDeadLetters } from '../../../core/adapters/nats/dead-letters.js';
import { encodeEnvelope, makeEnvelope } from '../../../core/adapters/nats/event-envelope.js';
import { EVENT_TYPE } from '../../../core/adapters/nats/event-payloads.js';
import { type FeedEvent, openMonitoringFeed } from '../../../core/adapters/nats/monitoring-feed.js';
import { createSqliteStores } from '../../../core/adapters/sqlite/sqlite-stores.js';
import type { Deliberation } from '../../../core/domain/deliberation.js';
import type { Role } from '../../../core/domain/role.js';
import type { TurnRecord } from '../../../core/ports/deliberation-store.js';
import { DeliberationStatus } from '../../../proto/gen/fleet/orchestrator/v1/orchestrator.js';
import { connectFleetClient } from '../../support/grpc-client.js';
import { daemonNatsEndpoint, natsServerPid, runFleet, startDaemon, tempDataDir } from '../../support/fleet-process.js';
import { isProcessAlive } from '../../../core/base/process-liveness.js';

// The daemon with its embedded nats-server, driven through NATS as the cluster's planning service
// would: real nats-server, real llama.cpp (tiny model), real SQLite.

const until = async (check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> => {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

function planEvent(planId: string, roles: Role[], eventId = `plan-approved-${planId}`): Uint8Array {
  const envelope = makeEnvelope(
    EVENT_TYPE.PLAN_APPROVED,
    { plan_id: planId, story_id: `story-${planId}`, approved_by: 'po@example.com', roles, title: 'Add retries to the artifact uploader' },
    { eventId, correlationId: planId, occurredAtMs: Date.now() },
  );
  return encodeEnvelope(envelope);
}

/** Everything the feed sees on orchestration.> from now on. */
async function watchOrchestration(nc: NatsConnection): Promise<{ events: FeedEvent[]; close(): Promise<void> }> {
  const feed = await openMonitoringFeed({ nc, streams: ['ORCHESTRATOR_EVENTS'], since: new Date(Date.now() - 1000) });
  const events: FeedEvent[] = [];
  const pump = (async () => {
    for await (const e of feed) events.push(e);
  })();
  return {
    events,
    async close() {
      await feed.close();
      await pump;
    },
  };
}

const completedTaskIds = (events: FeedEvent[]): string[] =>
  events.filter((e) => e.subject === EVENT_TYPE.DELIBERATION_COMPLETED).map((e) => e.event.fields.task_id as string);

/** What the cluster's planning service publishes: the plan's fields flat, stamped without a zone. */
const flatPlanEvent = (planId: string, roles: Role[]): Uint8Array =>
  new TextEncoder().encode(
    JSON.stringify({
      story_id: `story-${planId}`,
      plan_id: planId,
      approved_by: 'po@example.com',
      roles,
      timestamp: new Date().toISOString().replace('Z', ''),
    }),
  );

/** The fields of orchestration.deliberation.completed the cluster's context service reads, from the stored bytes. */
interface ClusterCompleted {
  event_type: string;
  story_id: string;
  task_id: string;
  timestamp: number;
  decisions: Array<{ proposal: { author: { agent_id: string } }; checks: { policy: { passed: boolean } } }>;
}

async function turnsOf(dataDir: string, taskId: string): Promise<TurnRecord[]> {
  const stores = createSqliteStores(join(dataDir, 'fleet.db'));
  try {
    return await stores.deliberations.turns(taskId);
  } finally {
    stores.close();
  }
}

const turnCount = async (dataDir: string, taskId: string): Promise<number> => (await turnsOf(dataDir, taskId)).length;

describe('the daemon on its embedded NATS', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function daemonWithNats(dataDir = tempDataDir(), args: string[] = []) {
    const daemon = await startDaemon(dataDir, args);
    cleanups.push(async () => {
      await daemon.stop();
      // No orphan: the embedded server went with the daemon.
      await until(() => !isProcessAlive(natsServerPid(dataDir)), 10_000, 'nats-server to exit').catch(() => undefined);
    });
    const nc = await connectNats({ ...daemonNatsEndpoint(dataDir), ensureStreams: false });
    cleanups.push(() => nc.close());
    return { daemon, dataDir, nc, js: jetstream(nc) };
  }

  it("runs one deliberation per role of the cluster's flat plan approval, once even when the plan comes again, and announces outcomes the cluster reads", async () => {
    const { daemon, dataDir, nc, js } = await daemonWithNats();
    const feed = await watchOrchestration(nc);
    cleanups.push(() => feed.close());

    await js.publish('planning.plan.approved', flatPlanEvent('p1', ['DEV', 'QA']));
    // The same plan again, in our envelope, as a publisher's retry with a new message id would bring it.
    await js.publish('planning.plan.approved', planEvent('p1', ['DEV', 'QA'], 'plan-approved-p1-again'), { msgID: 'p1-second' });

    await until(() => new Set(completedTaskIds(feed.events)).size === 2, 60_000, 'both completed events');
    expect(new Set(completedTaskIds(feed.events))).toEqual(new Set(['plan-p1-DEV', 'plan-p1-QA']));

    // As the cluster's context service reads them: the stored bytes, flat, no envelope.
    const jsm = await jetstreamManager(nc);
    const completed = feed.events.filter((e) => e.subject === EVENT_TYPE.DELIBERATION_COMPLETED);
    for (const { seq } of completed) {
      const stored = await jsm.streams.getMessage('ORCHESTRATOR_EVENTS', { seq });
      const event = JSON.parse(new TextDecoder().decode(stored!.data)) as ClusterCompleted;
      expect(event.event_type).toBe('orchestration.deliberation.completed');
      expect(event.story_id).toBe('story-p1');
      expect(['plan-p1-DEV', 'plan-p1-QA']).toContain(event.task_id);
      expect(typeof event.timestamp).toBe('number');
      expect(Math.abs(event.timestamp * 1000 - Date.now())).toBeLessThan(120_000);
      expect(event.decisions).toHaveLength(3);
      expect(event.decisions[0]!.proposal.author.agent_id).toMatch(/^(dev|qa)-\d$/);
      for (const decision of event.decisions) expect(typeof decision.checks.policy.passed).toBe('boolean');
    }

    const client = connectFleetClient(`127.0.0.1:${daemon.port}`);
    cleanups.push(async () => client.close());
    const dev = await client.getDeliberationResult({ taskId: 'plan-p1-DEV' });
    expect(dev.results).toHaveLength(3);
    // Give a second run the chance to show up, then check each role ran once: 3 agents × 4 turns.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await turnCount(dataDir, 'plan-p1-DEV')).toBe(12);
    expect(await turnCount(dataDir, 'plan-p1-QA')).toBe(12);
  });

  it('dead-letters malformed events with the reason and keeps serving', async () => {
    const { daemon, dataDir, nc, js } = await daemonWithNats();
    const bad = (payload: Record<string, unknown>) =>
      new TextEncoder().encode(
        JSON.stringify({
          event_id: `bad-${Math.random()}`,
          type: 'planning.plan.approved',
          version: 1,
          occurred_at: new Date().toISOString(),
          correlation_id: 'x',
          payload,
        }),
      );
    await js.publish('planning.plan.approved', new TextEncoder().encode('not json {'));
    await js.publish('planning.plan.approved', bad({ story_id: 's', approved_by: 'a', roles: ['DEV'] }));
    await js.publish('planning.plan.approved', bad({ plan_id: 'p', story_id: 's', approved_by: 'a', roles: 'DEV' }));
    await js.publish(
      'planning.plan.approved',
      bad({ plan_id: 'p', story_id: 's', approved_by: 'a', roles: ['DEV'], description: 'x'.repeat(300_000) }),
    );
    const { plan_id: _, ...noPlanId } = JSON.parse(new TextDecoder().decode(flatPlanEvent('p2', ['DATA']))) as Record<string, unknown>;
    await js.publish('planning.plan.approved', new TextEncoder().encode(JSON.stringify(noPlanId)));

    await until(async () => (await listDeadLetters(nc)).length === 5, 20_000, 'five dead letters');
    const reasons = (await listDeadLetters(nc)).map((l) => l.reason);
    expect(reasons[0]).toMatch(/JSON/i);
    expect(reasons[1]).toContain('payload.plan_id');
    expect(reasons[2]).toContain('roles');
    expect(reasons[3]).toMatch(/bytes/);
    expect(reasons[4]).toMatch(/^plan_id: expected a string/);

    const client = connectFleetClient(`127.0.0.1:${daemon.port}`);
    cleanups.push(async () => client.close());
    expect(await client.health()).toBe('SERVING');

    // `fleet dlq` shows them; a corrected event republished in place of one is handled like any other.
    const listed = await runFleet(['dlq', 'list', '--json', '--data-dir', dataDir]);
    expect(listed.code).toBe(0);
    const letters = JSON.parse(listed.stdout) as Array<{ seq: number; reason: string; original: string }>;
    expect(letters).toHaveLength(5);
    expect(letters[1]!.original).toContain('"story_id":"s"');
    expect(letters[4]!.original).toContain('"story_id":"story-p2"');
    const feed = await watchOrchestration(nc);
    cleanups.push(() => feed.close());
    const fixedFile = join(dataDir, 'fixed.json');
    writeFileSync(fixedFile, new TextDecoder().decode(flatPlanEvent('p2', ['DATA'])));
    const republished = await runFleet(['dlq', 'republish', String(letters[4]!.seq), fixedFile, '--data-dir', dataDir]);
    expect(republished.stdout).toContain('republished to planning.plan.approved');
    await until(() => completedTaskIds(feed.events).includes('plan-p2-DATA'), 60_000, 'the corrected event after the bad ones');

    // `fleet events` replays the feed across streams, in time order.
    const replay = await runFleet(['events', '--since', '5m', '--json', '--data-dir', dataDir]);
    const lines = replay.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { subject: string; form: string; event_id: string; fields: Record<string, unknown> });
    const subjects = lines.map((l) => l.subject);
    // The corrected plan came flat, as the cluster sends it; what the daemon announces is flat too.
    expect(lines.find((l) => l.subject === 'planning.plan.approved')).toMatchObject({
      form: 'flat',
      event_id: 'planning.plan.approved:p2',
      fields: { plan_id: 'p2' },
    });
    expect(new Set(lines.filter((l) => l.subject.startsWith('orchestration.')).map((l) => l.form))).toEqual(new Set(['flat']));
    expect(subjects.indexOf('orchestration.deliberation.started')).toBeLessThan(subjects.indexOf('orchestration.deliberation.completed'));
    expect(subjects.indexOf('planning.plan.approved')).toBeLessThan(subjects.indexOf('orchestration.deliberation.started'));
  });

  it('restarts a killed nats-server and carries on', async () => {
    const { dataDir, nc } = await daemonWithNats();
    const first = natsServerPid(dataDir);
    process.kill(first, 'SIGKILL');
    await until(
      () => isProcessAlive(natsServerPid(dataDir)) && natsServerPid(dataDir) !== first,
      20_000,
      'the supervisor to restart nats-server',
    );
    // The daemon's own connection reconnects; a client does too, and work flows again once JetStream
    // has recovered its streams (a request before that times out; seen under load).
    const jsm = await jetstreamManager(nc);
    await until(
      async () =>
        jsm.streams.info('ORCHESTRATOR_EVENTS').then(
          () => true,
          () => false,
        ),
      20_000,
      'JetStream to recover its streams',
    );
    const feed = await watchOrchestration(nc);
    cleanups.push(() => feed.close());
    await jetstream(nc).publish('planning.plan.approved', planEvent('p3', ['DEVOPS']));
    await until(() => completedTaskIds(feed.events).includes('plan-p3-DEVOPS'), 60_000, 'a deliberation after the restart');
  });

  it('a daemon killed mid-deliberation marks it FAILED with a reason after restart, and the plan event runs it again as attempt 2', async () => {
    // Two threads on the tiny model are slow (measured: ~5 tok/s), so the kill lands mid-deliberation.
    const dataDir = tempDataDir();
    const { daemon, js } = await daemonWithNats(dataDir, ['--threads', '2']);
    await js.publish('planning.plan.approved', planEvent('p4', ['DEV']));
    await until(async () => (await stateOf(dataDir, 'plan-p4-DEV')) === 'IN_PROGRESS', 30_000, 'the deliberation to start');
    daemon.child.kill('SIGKILL');
    await new Promise((r) => daemon.child.once('exit', r));

    const restarted = await daemonWithNats(dataDir);
    const client = connectFleetClient(`127.0.0.1:${restarted.daemon.port}`);
    cleanups.push(async () => client.close());
    // The plan event was never acknowledged: it comes back once its ack wait (30 s) is up, finds the
    // interrupted attempt and runs the deliberation again.
    await until(async () => (await recordOf(dataDir, 'plan-p4-DEV'))?.status === 'COMPLETED', 150_000, 'attempt 2 to complete');
    const result = await client.getDeliberationResult({ taskId: 'plan-p4-DEV' });
    expect(result.detail!.attempt).toBe(2);
    expect(result.detail!.earlierAttempts).toEqual([
      expect.objectContaining({
        attempt: 1,
        status: DeliberationStatus.DELIBERATION_STATUS_FAILED,
        errorMessage: expect.stringMatching(/^interrupted/),
      }),
    ]);
    // Attempt 2 ran every turn of its own (3 agents × 4 turns); attempt 1's are kept apart.
    const turns = await turnsOf(dataDir, 'plan-p4-DEV');
    expect(turns.filter((t) => t.attempt === 2)).toHaveLength(12);
    expect(turns.filter((t) => t.attempt === 1).length).toBeLessThan(12);
    expect(await listDeadLetters(restarted.nc)).toEqual([]);
  }, 240_000);
});

async function recordOf(dataDir: string, taskId: string): Promise<Deliberation | undefined> {
  const stores = createSqliteStores(join(dataDir, 'fleet.db'));
  try {
    return await stores.deliberations.get(taskId);
  } finally {
    stores.close();
  }
}

const stateOf = async (dataDir: string, taskId: string): Promise<string | undefined> => (await recordOf(dataDir, taskId))?.status;
