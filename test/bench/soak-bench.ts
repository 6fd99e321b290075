/**
 * Soak: deliberations over gRPC and plan approvals over NATS, in parallel for a fixed time, while
 * faults are injected on a schedule (kill -9 of a remote worker, of the embedded nats-server, of the
 * daemon itself), then everything is counted once the fleet has had time to recover:
 *
 *   soak_events_published           plan approvals JetStream acknowledged
 *   soak_events_completed           of those, a deliberation COMPLETED under the plan's task id
 *   soak_events_dead_lettered       of those, copied to DEAD_LETTER with a reason
 *   soak_events_lost                published but neither completed nor dead-lettered (goal 0)
 *   soak_run_twice                  task ids with more than one COMPLETED attempt (goal 0)
 *   soak_grpc_calls / _completed    Deliberate calls, and those answered COMPLETED
 *   soak_faults                     faults injected
 *
 * Options: --seconds N (default 60), --drain-seconds N (default 180).
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import Database from 'better-sqlite3';
import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';

import { listDeadLetters } from '../../core/adapters/nats/dead-letters.js';
import { DeliberationStatus } from '../../proto/gen/fleet/orchestrator/v1/orchestrator.js';
import { connectFleetClient, deadlineIn, type FleetGrpcClient } from '../support/grpc-client.js';
import {
  daemonNatsEndpoint,
  type DaemonProcess,
  type FleetChild,
  natsServerPid,
  startDaemon,
  startWorker,
  tempDataDir,
} from '../support/fleet-process.js';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '60' }, 'drain-seconds': { type: 'string', default: '180' } },
});
const SECONDS = Number(values.seconds);
const DRAIN_SECONDS = Number(values['drain-seconds']);
const EVENT_EVERY_MS = 1_500;
const GRPC_CALLERS = 2;

const print = (name: string, value: number | string, unit = ''): void => console.log(`${name}: ${value}${unit ? ` ${unit}` : ''}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const dataDir = tempDataDir();
let daemon: DaemonProcess = await startDaemon(dataDir);
let worker: FleetChild = await startWorker(dataDir, ['--role', 'DEV']);
let client: FleetGrpcClient = connectFleetClient(`127.0.0.1:${daemon.port}`);
let nc: NatsConnection = await natsOf(dataDir);

async function natsOf(dir: string): Promise<NatsConnection> {
  const { url, token } = daemonNatsEndpoint(dir);
  return connect({ servers: url, token, reconnect: true, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
}

const published: string[] = [];
const grpc = { calls: 0, completed: 0, failed: new Map<string, number>() };
let faults = 0;
let running = true;

async function publishApprovals(): Promise<void> {
  for (let i = 0; running; i++) {
    const planId = `soak-${i}`;
    const event = { story_id: `story-${i}`, plan_id: planId, approved_by: 'soak', roles: ['DEV'], timestamp: new Date().toISOString() };
    // Published means stored: an outage is waited out, the event is not counted until JetStream has it.
    while (running) {
      try {
        await jetstream(nc).publish('planning.plan.approved', new TextEncoder().encode(JSON.stringify(event)), { timeout: 2_000 });
        published.push(planId);
        break;
      } catch {
        await sleep(500);
      }
    }
    await sleep(EVENT_EVERY_MS);
  }
}

async function deliberateLoop(caller: number): Promise<void> {
  for (let i = 0; running; i++) {
    grpc.calls++;
    try {
      const d = await client.deliberate(
        { taskId: `grpc-${caller}-${i}`, taskDescription: 'Add retries to the artifact uploader', role: 'QA', numAgents: 2 },
        { deadline: deadlineIn(60_000) },
      );
      if (d.status === DeliberationStatus.DELIBERATION_STATUS_COMPLETED) grpc.completed++;
    } catch (error) {
      // A gRPC status code, or (a call on the client of a daemon just killed) the error's own words.
      const status = (error as { code?: unknown }).code;
      const code = typeof status === 'number' ? `status-${status}` : (error as Error).message.slice(0, 40).replace(/\s+/g, '_');
      grpc.failed.set(code, (grpc.failed.get(code) ?? 0) + 1);
      await sleep(500);
    }
  }
}

async function injectFaults(): Promise<void> {
  const at = (share: number) => sleep((SECONDS * 1000 * share) / 3);
  await at(1);
  if (!running) return;
  worker.child.kill('SIGKILL');
  await worker.stop();
  worker = await startWorker(dataDir, ['--role', 'DEV']);
  faults++;

  await at(1);
  if (!running) return;
  process.kill(natsServerPid(dataDir), 'SIGKILL');
  faults++;

  await at(0.5);
  if (!running) return;
  daemon.child.kill('SIGKILL');
  await daemon.stop();
  client.close();
  await nc.close().catch(() => undefined);
  daemon = await startDaemon(dataDir);
  client = connectFleetClient(`127.0.0.1:${daemon.port}`);
  nc = await natsOf(dataDir);
  faults++;
}

const started = Date.now();
const work = [publishApprovals(), ...Array.from({ length: GRPC_CALLERS }, (_, i) => deliberateLoop(i)), injectFaults()];
await sleep(SECONDS * 1000);
running = false;
await Promise.all(work);

// Recovery: every published approval ends completed or dead-lettered, or it is lost.
const planTask = (planId: string) => `plan-${planId}-DEV`;
async function outcome(planId: string, dead: ReadonlySet<string>): Promise<'completed' | 'dead' | 'open'> {
  if (dead.has(planId)) return 'dead';
  const d = await client.getDeliberationResult({ taskId: planTask(planId) }).catch(() => undefined);
  return d?.status === DeliberationStatus.DELIBERATION_STATUS_COMPLETED ? 'completed' : 'open';
}
async function deadPlans(): Promise<Set<string>> {
  const letters = await listDeadLetters(nc, { subject: 'planning.plan.approved', limit: 10_000 }).catch(() => []);
  return new Set(
    letters.flatMap((l) => {
      try {
        return [String((JSON.parse(new TextDecoder().decode(l.data)) as { plan_id?: unknown }).plan_id)];
      } catch {
        return [];
      }
    }),
  );
}
let outcomes: ('completed' | 'dead' | 'open')[] = [];
const drainUntil = Date.now() + DRAIN_SECONDS * 1000;
do {
  const dead = await deadPlans();
  outcomes = await Promise.all(published.map((p) => outcome(p, dead)));
  if (!outcomes.includes('open')) break;
  await sleep(2_000);
} while (Date.now() < drainUntil);

client.close();
await nc.close().catch(() => undefined);
await worker.stop();
await daemon.stop();

const db = new Database(join(dataDir, 'fleet.db'), { readonly: true });
const runTwice = db
  .prepare(
    `SELECT count(*) FROM (
       SELECT task_id FROM (
         SELECT task_id FROM deliberations WHERE status = 'COMPLETED'
         UNION ALL SELECT task_id FROM deliberation_attempts WHERE status = 'COMPLETED'
       ) GROUP BY task_id HAVING count(*) > 1)`,
  )
  .pluck()
  .get() as number;
db.close();

print('soak_seconds', Math.round((Date.now() - started) / 1000), 's');
print('soak_faults', faults);
print('soak_events_published', published.length);
print('soak_events_completed', outcomes.filter((o) => o === 'completed').length);
print('soak_events_dead_lettered', outcomes.filter((o) => o === 'dead').length);
print('soak_events_lost', outcomes.filter((o) => o === 'open').length, '(goal 0)');
print('soak_run_twice', runTwice, '(goal 0)');
print('soak_grpc_calls', grpc.calls);
print('soak_grpc_completed', grpc.completed);
print('soak_grpc_failed', [...grpc.failed].map(([code, n]) => `${code}:${n}`).join(' ') || '0');
