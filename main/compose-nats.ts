import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  checkJetStream,
  CLUSTER_STREAM_LIMITS,
  closeNats,
  connectNats,
  createEventMonitor,
  createNatsAgentTurns,
  type DeadLetter,
  type FeedEvent,
  type InvalidFeedMessage,
  listDeadLetters,
  type NatsConnection,
  NatsEventBus,
  NatsServerSupervisor,
  natsPlanningEvents,
  followContextUpdates,
  openMonitoringFeed,
  republishDeadLetter,
  type RepublishResult,
  startAgentWorker,
  startPlanningConsumer,
  withNatsConnection,
  workstationStreamLimits,
} from '../core/adapters/nats/index.js';
import { DisposalStack } from '../core/base/disposal.js';
import { attemptReasons } from '../core/domain/deliberation.js';
import { FleetError } from '../core/domain/errors.js';
import type { Role } from '../core/domain/role.js';
import type { AgentTurns } from '../core/ports/agent-turns.js';
import type { EventBus } from '../core/ports/event-bus.js';
import type { EventMonitor } from '../core/ports/monitoring.js';
import type { PlanningEvents } from '../core/ports/planning-events.js';
import type { DeliberationService } from '../core/ports/deliberation-service.js';
import type { FleetConfig } from './config.js';
import type { Logger } from './log.js';

export type { FeedEvent };

/**
 * The composition root's NATS half: the embedded server (or an external one in cluster mode), the
 * connection, the event bus and the planning consumer. Kept apart from compose.ts only for size; it is
 * part of the same root and the dependency rules treat it so.
 */

interface NatsEndpoint {
  readonly url: string;
  readonly token?: string;
}

const endpointFile = (config: FleetConfig): string => join(config.dataDir, 'nats', 'endpoint.json');

/** Where the daemon's NATS is: the flag/config first, else what the running daemon wrote down. */
function natsEndpoint(config: FleetConfig): NatsEndpoint {
  if (config.natsUrl !== undefined) return { url: config.natsUrl, ...(config.natsToken === undefined ? {} : { token: config.natsToken }) };
  try {
    const parsed = JSON.parse(readFileSync(endpointFile(config), 'utf8')) as { url?: unknown; token?: unknown };
    if (typeof parsed.url === 'string') return { url: parsed.url, ...(typeof parsed.token === 'string' ? { token: parsed.token } : {}) };
  } catch {
    /* no daemon has written one: said below */
  }
  throw new FleetError(
    'UNAVAILABLE',
    `no NATS to connect to: start the daemon (fleet serve --data-dir ${config.dataDir}) or pass --nats-url`,
  );
}

export interface ClosableTurns extends AgentTurns {
  close(): Promise<void>;
}

export interface Worker {
  stop(): Promise<void>;
}

export interface WorkerOptions {
  readonly roles?: readonly Role[];
  readonly concurrency?: number;
}

export interface Backbone {
  readonly url: string;
  readonly embedded: boolean;
  /** Never rejects: a lost event is logged, it must not fail a deliberation. */
  readonly bus: EventBus;
  /** Agent turns as requests to whichever workers serve the role, here or on other machines. */
  agentTurns(): ClosableTurns;
  /** Serves agent requests with `turns` (the local model), competing with every other worker of the role. */
  startWorker(turns: AgentTurns, options?: WorkerOptions): Promise<Worker>;
  startPlanning(service: DeliberationService): Promise<void>;
  /** Throws while JetStream does not answer (the connection is down, the server wedged or restarting). */
  probe(): Promise<void>;
  /** The event feed, dead letters and agent queues, for the desktop app. */
  readonly monitor: EventMonitor;
  /** Where planning announces its changes (planning.>). */
  readonly planningEvents: PlanningEvents;
  /** Calls `onUpdate` with each story whose graph changed (context.updated, from here or elsewhere) until the backbone closes. */
  followContextUpdates(onUpdate: (storyId: string) => Promise<void>): void;
  /** Whether the connection is up now, and the server's version. */
  state(): { readonly connected: boolean; readonly serverVersion: string };
  /**
   * For a stop: when JetStream does not answer within a second (nats-server 2.9 deadlocks on a full
   * disk), closes the connection, so that what still waits on it (replies, acks, consumer removals)
   * fails at once instead of each waiting out its timeout.
   */
  letGoIfUnanswered(): Promise<void>;
  close(): Promise<void>;
}

/** The embedded server's JetStream budget (its max_file_store), shared by the streams. */
const storeBytes = (config: FleetConfig): number => config.natsStoreMb * 1024 ** 2;

function workerOn(nc: NatsConnection, log: Logger) {
  return (turns: AgentTurns, options: WorkerOptions = {}): Promise<Worker> =>
    startAgentWorker({
      nc,
      turns,
      ...(options.roles === undefined ? {} : { roles: options.roles }),
      ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
      onActivity: (a) => log.log('debug', `worker ${a.type}`, { ...a }),
    });
}

export async function startBackbone(config: FleetConfig, log: Logger): Promise<Backbone> {
  // Released in reverse: planning stops taking events, the connection drains, the embedded server goes last.
  const resources = new DisposalStack();
  try {
    const endpoint = config.natsUrl === undefined ? await startEmbeddedServer(config, log, resources) : natsEndpoint(config);
    const nc = await connectNats({
      ...endpoint,
      name: 'fleet-daemon',
      // A workstation's budget on our own server; attached to a cluster, the cluster's sizes.
      streamLimits:
        config.natsUrl === undefined
          ? workstationStreamLimits(storeBytes(config), config.natsMaxAgeHours * 3_600_000)
          : CLUSTER_STREAM_LIMITS,
      onStatus: (s) => log.log('debug', `nats ${s.type}`),
    });
    resources.defer(() => closeNats(nc));
    const nats = new NatsEventBus(nc, {
      onDropped: (event, error) => log.log('warn', 'event dropped', { type: event.type, error: String(error) }),
    });
    return {
      url: endpoint.url,
      embedded: config.natsUrl === undefined,
      agentTurns: () => createNatsAgentTurns({ nc, onLog: log.log }),
      startWorker: workerOn(nc, log),
      bus: {
        publish: (event) =>
          nats
            .publish(event)
            .catch((error: unknown) =>
              log.log('warn', 'event not published', { type: event.type, task_id: event.taskId, error: String(error) }),
            ),
      },
      async startPlanning(service) {
        const planning = await startPlanningConsumer({
          nc,
          deliberate: (command) => service.deliberate(command),
          attemptReasons: (taskId) =>
            service.getDeliberation(taskId).then(
              attemptReasons,
              () => [], // refused before it ran (no council): the error says why
            ),
          onActivity: (a) => log.log(a.type === 'dead-lettered' || a.type === 'error' ? 'warn' : 'info', `planning ${a.type}`, { ...a }),
        });
        resources.defer(() => planning.stop());
      },
      probe: () => checkJetStream(nc, 2_000),
      monitor: createEventMonitor(nc),
      planningEvents: natsPlanningEvents(nc),
      followContextUpdates(onUpdate) {
        const follow = followContextUpdates(
          nc,
          (u) => onUpdate(u.storyId),
          (reason) => log.log('warn', 'context.updated skipped', { reason }),
        );
        resources.defer(() => follow.stop());
      },
      state: () => ({ connected: !nc.isClosed(), serverVersion: nc.info?.version ?? '' }),
      async letGoIfUnanswered() {
        const unanswered = await checkJetStream(nc, 1_000).then(
          () => undefined,
          (e: Error) => e.message,
        );
        if (unanswered === undefined) return;
        log.log('warn', 'JetStream does not answer: the NATS connection is closed without waiting', { error: unanswered });
        await nc.close();
      },
      close: () => resources.dispose(),
    };
  } catch (e) {
    await resources.dispose().catch((error: unknown) => log.log('warn', 'cleanup after a failed start', { error: String(error) }));
    throw e;
  }
}

/** The daemon's own nats-server, written down where CLI commands and workers on this machine find it. */
async function startEmbeddedServer(config: FleetConfig, log: Logger, resources: DisposalStack): Promise<NatsEndpoint> {
  const server = await NatsServerSupervisor.start({
    dataDir: join(config.dataDir, 'nats'),
    monitoring: config.natsMonitoring === true,
    maxFileStoreBytes: storeBytes(config),
    // The daemon stops the server itself, after the work that still needs it.
    stopOnSignals: false,
    onEvent: (e) =>
      log.log((e.type === 'exited' && !e.expected) || e.type === 'wedged' ? 'warn' : 'info', `nats-server ${e.type}`, { ...e }),
  });
  resources.defer(() => server.stop());
  log.log('info', 'embedded nats-server ready', { url: server.url, jetstream_sync: server.sync });
  const endpoint = { url: server.url, token: server.token };
  writeFileSync(endpointFile(config), JSON.stringify(endpoint), { mode: 0o600 });
  chmodSync(endpointFile(config), 0o600);
  resources.defer(() => rmSync(endpointFile(config), { force: true }));
  return endpoint;
}

/** `fleet worker`: agent turns served on this machine for the fleet reached at the configured NATS. */
export async function startRemoteWorker(config: FleetConfig, turns: AgentTurns, options: WorkerOptions, log: Logger): Promise<Worker> {
  const nc = await connectNats({ ...natsEndpoint(config), name: 'fleet-worker', onStatus: (s) => log.log('debug', `nats ${s.type}`) });
  try {
    const worker = await workerOn(nc, log)(turns, options);
    return {
      async stop() {
        await worker.stop();
        await closeNats(nc);
      },
    };
  } catch (e) {
    await closeNats(nc);
    throw e;
  }
}

/** A short-lived connection for CLI commands (events, dlq) to the daemon's NATS or an external one. */
const withNats = <T>(config: FleetConfig, body: (nc: NatsConnection) => Promise<T>): Promise<T> =>
  withNatsConnection({ ...natsEndpoint(config), name: 'fleet-cli', ensureStreams: false }, body);

export const deadLetters = (config: FleetConfig, limit: number): Promise<DeadLetter[]> =>
  withNats(config, (nc) => listDeadLetters(nc, { limit }));

export const republish = (config: FleetConfig, seq: number, corrected: string, remove: boolean): Promise<RepublishResult> =>
  withNats(config, (nc) => republishDeadLetter(nc, seq, corrected, { remove }));

/** Follows the monitoring feed until `signal` aborts (or, with `idleMs`, until nothing arrives for that long). */
export async function followEvents(
  config: FleetConfig,
  options: { since?: Date; idleMs?: number; signal: AbortSignal; onInvalid?: (message: InvalidFeedMessage) => void },
  onEvent: (event: FeedEvent) => void,
): Promise<void> {
  await withNats(config, async (nc) => {
    const feed = await openMonitoringFeed({
      nc,
      ...(options.since === undefined ? {} : { since: options.since }),
      ...(options.onInvalid === undefined ? {} : { onInvalid: options.onInvalid }),
    });
    let idle: NodeJS.Timeout | undefined;
    const close = () => void feed.close();
    const armIdle = () => {
      if (options.idleMs === undefined) return;
      clearTimeout(idle);
      idle = setTimeout(close, options.idleMs);
    };
    // Ctrl-C may have come while connecting: then there is nothing to follow.
    if (options.signal.aborted) close();
    options.signal.addEventListener('abort', close, { once: true });
    armIdle();
    try {
      for await (const event of feed) {
        onEvent(event);
        armIdle();
      }
    } finally {
      clearTimeout(idle);
      options.signal.removeEventListener('abort', close);
      await feed.close();
    }
  });
}
