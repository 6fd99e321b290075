/**
 * Event-path bench: what NATS JetStream adds on the way from an event to a model's first token, and
 * how fast the event path stores messages, each beside its baseline measured in the same run.
 *
 *   event_to_first_token_beyond_model   planning.plan.approved published → first agent turn starts
 *                                       generating, through the planning consumer, the use case and
 *                                       an agent request to a worker (model time excluded)
 *   direct_to_first_token_beyond_model  baseline: the same deliberation started by an in-process call
 *   jetstream_publish_ack_throughput    orchestration events stored with an ack each (64 in flight)
 *   raw_nats_publish_throughput         baseline: the same messages as plain NATS publishes
 *
 * Prints `name: value unit` lines; medians over rounds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';

import { createLlamaLanguageModel } from '../../core/adapters/llama/llama-language-model.js';
import { writeTinyModel } from '../../core/adapters/llama/synthetic/tiny-model.js';
import { startAgentWorker } from '../../core/adapters/nats/agent-turns/agent-worker.js';
import { createNatsAgentTurns } from '../../core/adapters/nats/agent-turns/nats-agent-turns.js';
import { connectNats } from '../../core/adapters/nats/connect.js';
import { encodeEnvelope, makeEnvelope } from '../../core/adapters/nats/event-envelope.js';
import { EVENT_TYPE } from '../../core/adapters/nats/event-payloads.js';
import { startPlanningConsumer } from '../../core/adapters/nats/planning-consumer.js';
import { NatsServerSupervisor } from '../../core/adapters/nats/server/nats-server-supervisor.js';
import { createSqliteStores } from '../../core/adapters/sqlite/sqlite-stores.js';
import { createFleet } from '../../core/app/fleet.js';
import { createLocalAgentTurns } from '../../core/app/turns/local-agent-turns.js';
import type { AgentTurns } from '../../core/ports/agent-turns.js';
import type { GenerateRequest, LanguageModel } from '../../core/ports/language-model.js';

const ROUNDS = 5;
const MESSAGES = 3000;
const WINDOW = 64;

const print = (name: string, value: string, unit = ''): void => console.log(`${name}: ${value}${unit ? ` ${unit}` : ''}`);
const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** The model, noting when the first generation of a run was asked for. */
function timedModel(model: LanguageModel): LanguageModel & { firstCallAt(): number | undefined; reset(): void } {
  let first: number | undefined;
  return {
    info: model.info,
    close: () => model.close(),
    firstCallAt: () => first,
    reset: () => (first = undefined),
    generate(request: GenerateRequest) {
      first ??= performance.now();
      return model.generate(request);
    },
  };
}

async function publishThroughput(nc: NatsConnection): Promise<{ jetstream: number; raw: number }> {
  const js = jetstream(nc);
  const body = (i: number) =>
    encodeEnvelope(
      makeEnvelope(
        EVENT_TYPE.DELIBERATION_PROGRESS,
        { task_id: `bench-${i}`, kind: 'phase', phase: 'propose' },
        { eventId: `bench-${Date.now()}-${i}`, correlationId: `bench-${i}`, occurredAtMs: Date.now() },
      ),
    );
  const messages = Array.from({ length: MESSAGES }, (_, i) => body(i));

  let started = performance.now();
  const run = `${Date.now()}`;
  for (let i = 0; i < MESSAGES; i += WINDOW) {
    await Promise.all(
      messages.slice(i, i + WINDOW).map((m, j) => js.publish('orchestration.deliberation.progress', m, { msgID: `${run}-${i + j}` })),
    );
  }
  const jetstreamRate = MESSAGES / ((performance.now() - started) / 1000);

  started = performance.now();
  for (const m of messages) nc.publish('bench.raw', m);
  await nc.flush();
  const rawRate = MESSAGES / ((performance.now() - started) / 1000);
  return { jetstream: jetstreamRate, raw: rawRate };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-event-bench-'));
  const server = await NatsServerSupervisor.start({ dataDir: join(dir, 'nats'), preferredPort: 0, stopOnSignals: false });
  const nc = await connectNats({ url: server.url, token: server.token });
  const model = timedModel(
    await createLlamaLanguageModel({ modelPath: await writeTinyModel(join(dir, 'tiny.gguf')), name: 'tiny', threads: 1 }),
  );
  const stores = createSqliteStores(join(dir, 'fleet.db'));
  const local: AgentTurns = createLocalAgentTurns(model);
  const remote = createNatsAgentTurns({ nc });
  const worker = await startAgentWorker({ nc, turns: local });
  const clock = { now: () => Date.now(), newId: () => crypto.randomUUID() };
  const viaNats = createFleet({
    councils: stores.councils,
    deliberations: stores.deliberations,
    turns: remote,
    clock,
    modelName: 'tiny',
  });
  const direct = createFleet({
    councils: stores.councils,
    deliberations: stores.deliberations,
    turns: local,
    clock,
    modelName: 'tiny',
  });
  for (const fleet of [viaNats, direct]) {
    await fleet.start();
    fleet.deliberations.setServing(true);
  }
  const finished = new Map<string, () => void>();
  const planning = await startPlanningConsumer({
    nc,
    deliberate: async (command) => {
      const d = await viaNats.deliberations.deliberate({ ...command, numAgents: 3, rounds: 0 });
      finished.get(d.taskId)?.();
      return d;
    },
  });
  const js = jetstream(nc);

  const viaEvent: number[] = [];
  const viaCall: number[] = [];
  try {
    for (let round = 0; round < ROUNDS + 1; round++) {
      // Event path: publish the plan, wait for its deliberation; the first round warms up.
      model.reset();
      const planId = `bench-${Date.now()}-${round}`;
      const done = new Promise<void>((resolve) => finished.set(`plan-${planId}-DEV`, resolve));
      const event = makeEnvelope(
        EVENT_TYPE.PLAN_APPROVED,
        { plan_id: planId, story_id: 's', approved_by: 'bench', roles: ['DEV'], title: 'Add retries to the uploader' },
        { eventId: planId, correlationId: planId, occurredAtMs: Date.now() },
      );
      const published = performance.now();
      await js.publish('planning.plan.approved', encodeEnvelope(event), { msgID: planId });
      await done;
      if (round > 0) viaEvent.push(model.firstCallAt()! - published);

      // Baseline: the same deliberation from an in-process call.
      model.reset();
      const called = performance.now();
      await direct.deliberations.deliberate({ description: 'Add retries to the uploader', role: 'DEV', numAgents: 3, rounds: 0 });
      if (round > 0) viaCall.push(model.firstCallAt()! - called);
    }
    const rates = await publishThroughput(nc);

    print('event_to_first_token_beyond_model', median(viaEvent).toFixed(1), 'ms');
    print('direct_to_first_token_beyond_model', median(viaCall).toFixed(1), 'ms');
    print('event_path_added_latency', (median(viaEvent) - median(viaCall)).toFixed(1), 'ms');
    print('jetstream_publish_ack_throughput', rates.jetstream.toFixed(0), 'msg/s');
    print('raw_nats_publish_throughput', rates.raw.toFixed(0), 'msg/s');
    print('jetstream_vs_raw_ratio', (rates.jetstream / rates.raw).toFixed(3), 'x');
    print('jetstream_sync', server.sync);
  } finally {
    await planning.stop();
    await worker.stop();
    await remote.close();
    await model.close();
    stores.close();
    await nc.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
