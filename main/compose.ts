import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync } from 'node:fs';
import { availableParallelism, freemem, hostname, totalmem } from 'node:os';
import { join } from 'node:path';

import { startUiServer, type UiServer } from '../core/adapters/connect/index.js';
import {
  connectPlanningService,
  type ContextSources,
  type DesktopSources,
  type FleetUseCases,
  type GrpcTls,
  startGrpcServer,
  toDeliberationJson,
} from '../core/adapters/grpc/index.js';
import {
  createLlamaLanguageModel,
  DEFAULT_MODEL_URI,
  resolveModel,
  TINY_MODEL_NAME,
  type DownloadProgress,
} from '../core/adapters/llama/index.js';
import { openKuzuGraph } from '../core/adapters/kuzu/index.js';
import { createOpenAiHttpLanguageModel, listModels } from '../core/adapters/openai-http/index.js';
import {
  createSqliteStores,
  type DataFolderLock,
  type FolderOwner,
  lockDataFolder,
  readOwner,
  type SqliteStores,
} from '../core/adapters/sqlite/index.js';
import { DisposalStack } from '../core/base/disposal.js';
import { isProcessAlive } from '../core/base/process-liveness.js';
import { createFleet, type Fleet, type StartupReport } from '../core/app/fleet.js';
import { CachedContextReader, invalidatingOnUpdate } from '../core/app/cached-context.js';
import { ContextPacks } from '../core/app/context-packs.js';
import { ContextBuilder, ContextProjector } from '../core/app/context.js';
import { ContextWriter } from '../core/app/context-writer.js';
import { ModelSlot } from '../core/app/model-slot.js';
import { StoryCoach } from '../core/app/story-coach.js';
import { TaskDerivation } from '../core/app/task-derivation.js';
import { Planning } from '../core/app/planning.js';
import { createLocalAgentTurns } from '../core/app/turns/local-agent-turns.js';
import { promptBudget } from '../core/app/turns/prompt-budget.js';
import type { Deliberation } from '../core/domain/deliberation.js';
import { FleetError } from '../core/domain/errors.js';
import type { Clock } from '../core/ports/clock.js';
import type { EventBus } from '../core/ports/event-bus.js';
import type { ContextReader } from '../core/ports/context-service.js';
import type { ContextGraph } from '../core/ports/context-graph.js';
import { ROLE_TOKEN_BUDGET } from '../core/domain/context-policy.js';
import type { Role } from '../core/domain/role.js';
import type { RunOwners } from '../core/ports/run-owners.js';
import type { LanguageModel } from '../core/ports/language-model.js';
import type { SystemInfo } from '../core/ports/monitoring.js';
import type { PlanningService } from '../core/ports/planning-service.js';
import type { StoryCoachService } from '../core/ports/story-coach.js';
import type { TaskDerivationService } from '../core/ports/task-derivation.js';
import { type Backbone, startRemoteWorker, type Worker, type WorkerOptions } from './compose-nats.js';
import { DEFAULT_MODEL_SPEC, type FleetConfig } from './config.js';
import type { Logger } from './log.js';
import { FLEET_VERSION } from './version.js';

/**
 * The one composition root: configuration in, adapters built and wired to the use cases out.
 * Every entry point (CLI, daemon, Electron's daemon process, tests) gets its core from here.
 */

export const systemClock: Clock = { now: () => Date.now(), newId: () => crypto.randomUUID() };

/**
 * This process as `host:pid:nonce`. The nonce tells this process from an earlier one that had the same
 * pid (containers often start the daemon as the same pid every time).
 */
export const runOwners: RunOwners = (() => {
  const self = `${hostname()}:${process.pid}:${crypto.randomUUID().slice(0, 8)}`;
  return {
    self,
    isAlive(owner) {
      const [host, pid] = owner.split(':');
      // Another machine sharing the folder cannot be asked; its runs are left to it.
      if (host !== hostname()) return true;
      if (owner === self) return true;
      if (Number(pid) === process.pid) return false;
      return isProcessAlive(Number(pid));
    },
  };
})();

export const paths = (config: FleetConfig) => ({
  database: join(config.dataDir, 'fleet.db'),
  graph: join(config.dataDir, 'graph', 'context.kuzu'),
  models: join(config.dataDir, 'models'),
  log: join(config.dataDir, 'logs', 'fleet.log'),
});

/** The data folder holds the database, logs and NATS credentials: owner-only (0700), whoever made it. */
function privateFolder(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    chmodSync(dir, 0o700);
  } catch {
    /* another user's folder, opened to read: left as it is */
  }
}

/**
 * Makes this process the data folder's one owner (`fleet serve`, `fleet deliberate`): refused with
 * FAILED_PRECONDITION naming the owner while another process holds it. Readers (`fleet result`,
 * `fleet councils`) need no ownership: SQLite in WAL mode lets them read beside the owner.
 */
export function takeDataFolder(config: FleetConfig, command: string): DataFolderLock {
  privateFolder(config.dataDir);
  return lockDataFolder(config.dataDir, { pid: process.pid, command, startedAt: new Date().toISOString() });
}

/** Only the stores: for commands that read results and councils without loading a model. */
export function openStores(config: FleetConfig, log?: Logger, onDiskFull?: (error: FleetError) => void): SqliteStores {
  privateFolder(config.dataDir);
  return createSqliteStores(paths(config).database, {
    // One damaged record must not keep the daemon from starting: it is skipped, and said.
    ...(log === undefined ? {} : { onUnreadable: (e: FleetError) => log.log('error', e.message) }),
    ...(onDiskFull === undefined ? {} : { onDiskFull }),
  });
}

export interface ModelEvents {
  readonly onDownloadProgress?: (p: DownloadProgress) => void;
  readonly log: Logger;
}

/**
 * The model the config asks for. With no model chosen, the default is downloaded on first use; when
 * that is impossible (offline) the built-in tiny model stands in, with a warning saying so. A model
 * the user named explicitly is never swapped: its failure is the error.
 */
export async function openLanguageModel(config: FleetConfig, events: ModelEvents, signal?: AbortSignal): Promise<LanguageModel> {
  if (config.llmUrl !== undefined) {
    const auth = config.llmApiKey === undefined ? {} : { apiKey: config.llmApiKey };
    return createOpenAiHttpLanguageModel({
      baseUrl: config.llmUrl,
      model: config.llmModel ?? (await servedModel(config.llmUrl, auth)),
      ...auth,
    });
  }
  const modelsDir = paths(config).models;
  const options = {
    modelsDir,
    allowInsecureDownload: config.allowInsecureDownload === true,
    ...(events.onDownloadProgress === undefined ? {} : { onProgress: events.onDownloadProgress }),
    ...(signal === undefined ? {} : { signal }),
  };
  let resolved;
  if (config.model === DEFAULT_MODEL_SPEC) {
    try {
      resolved = await resolveModel(DEFAULT_MODEL_URI, options);
    } catch (e) {
      if (!(e instanceof FleetError) || e.code !== 'UNAVAILABLE') throw e;
      events.log.log(
        'warn',
        `${e.message}\nFalling back to the built-in tiny test model (its proposals are gibberish; use --model PATH for a real GGUF).`,
      );
      resolved = await resolveModel(TINY_MODEL_NAME, options);
    }
  } else {
    resolved = await resolveModel(config.model, options);
  }
  return createLlamaLanguageModel({
    modelPath: resolved.path,
    name: resolved.name,
    log: events.log.log,
    ...(config.threads === undefined ? {} : { threads: config.threads }),
  });
}

/** With no model named, a server that serves exactly one model (the usual vLLM setup) gets that one. */
async function servedModel(baseUrl: string, auth: { apiKey?: string }): Promise<string> {
  const served = await listModels(baseUrl, auth);
  if (served.length === 1) return served[0]!;
  throw new FleetError('INVALID_ARGUMENT', `--llm-model: expected one of the models ${baseUrl} serves (${served.join(', ') || 'none'})`, {
    field: 'llmModel',
  });
}

export interface Core {
  /** Started and serving: the default councils exist and deliberations lost by a crash are marked FAILED. */
  readonly fleet: Fleet;
  readonly model: ModelSlot;
  /** Projects, epics, stories and tasks; with a NATS backbone only (its events start deliberations). */
  readonly planning?: PlanningService;
  /** Story contexts and the decision graph behind them; with the daemon's backbone only. */
  readonly context?: ContextSources;
  /** StoryCoach's refine and suggest, through this model. */
  readonly storyCoach: StoryCoachService;
  /** Tasks derived from approved plans, through this model; with planning only. */
  readonly derivation?: TaskDerivationService;
  readonly stores: SqliteStores;
  /** What starting found: councils it created, deliberations it marked interrupted. */
  readonly startup: StartupReport;
  /** Deliberations running now, to wait for or cancel at shutdown. */
  running(): number;
  /** While set, the data folder cannot be written: see Deliberations.setStoreFailure. */
  setStoreFailure(reason: FleetError | undefined): Promise<void>;
  /** Stops taking work, then releases the worker, the model and the database, in that order. */
  close(): Promise<void>;
}

export interface ComposeOptions extends ModelEvents {
  readonly signal?: AbortSignal;
  /**
   * With a backbone, agent turns go out as NATS requests and events onto its bus; unless
   * `localWorkers` is false, this process also serves the requests with its own model.
   */
  readonly backbone?: Backbone;
  readonly localWorkers?: boolean;
  /** Told when a write to the database found the disk full (the write also fails with RESOURCE_EXHAUSTED). */
  readonly onDiskFull?: (error: FleetError) => void;
}

export async function composeCore(config: FleetConfig, options: ComposeOptions): Promise<Core> {
  const resources = new DisposalStack();
  try {
    const stores = resources.use(openStores(config, options.log, options.onDiskFull));
    // In a slot: the Models view replaces the model while the daemon serves.
    const model = resources.use(new ModelSlot(await openLanguageModel(config, options, options.signal)));
    const localTurns = createLocalAgentTurns(model);
    // Checked against this machine's model, which also serves the turns unless workers elsewhere do.
    const fits = promptBudget(model);
    const { backbone } = options;
    const remoteTurns = backbone === undefined ? undefined : resources.use(backbone.agentTurns());
    if (backbone !== undefined && options.localWorkers !== false) {
      const worker = await backbone.startWorker(localTurns);
      resources.defer(() => worker.stop());
    }
    // The decision graph lives with the daemon (its NATS carries the events that keep it current).
    const graph = backbone === undefined ? undefined : await openKuzuGraph({ path: paths(config).graph });
    if (graph !== undefined) resources.defer(() => graph.close());
    const countTokens = (text: string): number => model.countTokens(text);
    const context =
      graph === undefined
        ? undefined
        : {
            reader: new CachedContextReader(new ContextBuilder(graph, countTokens), stores.contextCache),
            packs: new ContextPacks(graph, countTokens, systemClock),
            graph,
            cache: stores.contextCache,
            // Planning announces context.updated for every writer of the graph (set below, with the backbone the graph needs).
            writer: new ContextWriter({
              graph,
              clock: systemClock,
              contextUpdated: (storyId, atMs) => planning?.contextUpdated(storyId, atMs) ?? Promise.resolve(),
            }),
          };
    // A crash between a graph write and its announcement would leave what was built before it served.
    if (graph !== undefined) await stores.contextCache.clear();
    // Changes announced elsewhere (another daemon, the cluster); this one's own invalidate before they are announced.
    backbone?.followContextUpdates((storyId) => stores.contextCache.invalidate(storyId));
    const projector = graph === undefined ? undefined : new ContextProjector(graph);
    const contextFor = context === undefined ? undefined : storyContext(context.reader, context.graph, model);
    let planning: Planning | undefined;
    const fleet = createFleet({
      councils: stores.councils,
      deliberations: stores.deliberations,
      turns: remoteTurns ?? localTurns,
      clock: systemClock,
      owners: runOwners,
      get modelName() {
        return model.info.name;
      },
      ...(backbone === undefined ? {} : { eventBus: projecting(backbone.bus, projector, () => planning, options.log) }),
      checkFits: fits,
      ...(contextFor === undefined ? {} : { contextFor }),
    });
    planning =
      backbone === undefined
        ? undefined
        : new Planning({
            store: stores.planning,
            events: invalidatingOnUpdate(backbone.planningEvents, stores.contextCache),
            clock: systemClock,
            fleet: fleet.deliberations,
            ...(projector === undefined ? {} : { projector }),
          });
    const derivation =
      planning === undefined || backbone === undefined
        ? undefined
        : new TaskDerivation({
            planning,
            store: stores.planning,
            model,
            events: backbone.planningEvents,
            clock: systemClock,
            ...(contextFor === undefined ? {} : { storyContext: contextFor }),
            ...(projector === undefined ? {} : { projector }),
          });
    const startup = await fleet.start();
    fleet.deliberations.setServing(true);
    resources.defer(() => fleet.deliberations.setServing(false));
    return {
      fleet,
      model,
      ...(planning === undefined ? {} : { planning }),
      ...(derivation === undefined ? {} : { derivation }),
      ...(context === undefined ? {} : { context }),
      storyCoach: new StoryCoach(model),
      stores,
      startup,
      running: () => fleet.deliberations.running().length,
      setStoreFailure: (reason) => fleet.deliberations.setStoreFailure(reason),
      close: () => resources.dispose(),
    };
  } catch (e) {
    await resources.dispose().catch(() => undefined);
    throw e;
  }
}

/** Serves agent turns for a fleet elsewhere with this machine's model (`fleet worker`). */
export const startModelWorker = (config: FleetConfig, model: LanguageModel, options: WorkerOptions, log: Logger): Promise<Worker> =>
  startRemoteWorker(config, createLocalAgentTurns(model), options, log);

/** A deliberation as the CLI's --json prints it: GetDeliberationResult's answer, in JSON. */
export const deliberationJson = (d: Deliberation): unknown => toDeliberationJson(d, { version: FLEET_VERSION, now: Date.now });

export interface GrpcEndpoint {
  readonly port: number;
  /** Plaintext on this machine, for the UI's forwarding. */
  readonly loopbackTarget: string;
  setServing(serving: boolean): void;
  stop(): Promise<void>;
}

/** Who may call the API (a token) and how (TLS); the daemon decides it from the config. */
export interface GrpcAccess {
  readonly token?: string;
  readonly tls?: GrpcTls;
}

export function startGrpc(
  fleet: FleetUseCases,
  config: FleetConfig,
  log: Logger,
  access: GrpcAccess = {},
  served: {
    readonly desktop?: DesktopSources;
    readonly planning?: PlanningService;
    readonly context?: ContextSources;
    readonly storyCoach?: StoryCoachService;
    readonly derivation?: TaskDerivationService;
  } = {},
): Promise<GrpcEndpoint> {
  return startGrpcServer({
    fleet,
    version: FLEET_VERSION,
    host: config.grpcHost,
    port: config.grpcPort,
    onLog: log.log,
    ...access,
    ...served,
  });
}

/** The built renderer, beside main/ in the package (npm run build:ui). */
const RENDERER_DIST = join(import.meta.dirname, '..', 'renderer', 'dist');
/** The desktop shell's pages come from this origin (its custom protocol); no web page can claim it. */
export const DESKTOP_SHELL_ORIGIN = 'app://fleet';

/** The desktop UI on loopback, with a token made for this launch, its calls answered by `grpc`. */
export const startUi = (config: FleetConfig, grpc: GrpcEndpoint, access: GrpcAccess, log: Logger): Promise<UiServer> =>
  startUiServer({
    host: config.uiHost,
    port: config.uiPort,
    token: randomBytes(24).toString('base64url'),
    staticDir: RENDERER_DIST,
    grpcTarget: grpc.loopbackTarget,
    ...(access.token === undefined ? {} : { grpcToken: access.token }),
    allowedOrigins: [DESKTOP_SHELL_ORIGIN],
    onLog: log.log,
  });

/** The daemon serving this data folder now, if one does (its owner file names a live process). */
export function runningDaemon(config: FleetConfig): FolderOwner | undefined {
  const owner = readOwner(config.dataDir);
  return owner !== undefined && owner.command === 'fleet serve' && isProcessAlive(owner.pid) ? owner : undefined;
}

/** What the System and Models views show: this process, its model and its NATS. */
export function systemFacts(
  config: FleetConfig,
  model: LanguageModel,
  backbone: Backbone | undefined,
  unhealthy: () => string | undefined,
): () => Promise<SystemInfo> {
  let last = { at: performance.now(), cpu: process.cpuUsage() };
  return () => {
    const now = { at: performance.now(), cpu: process.cpuUsage() };
    const cpuMicros = now.cpu.user - last.cpu.user + (now.cpu.system - last.cpu.system);
    const elapsedMicros = (now.at - last.at) * 1000;
    last = now;
    const memory = process.memoryUsage();
    const nats = backbone?.state();
    const reason = unhealthy();
    return Promise.resolve({
      version: FLEET_VERSION,
      pid: process.pid,
      dataDir: config.dataDir,
      model: { ...model.info, ...(model.contextTokens === undefined ? {} : { contextTokens: model.contextTokens }) },
      nats: {
        mode: backbone === undefined ? 'none' : backbone.embedded ? 'embedded' : 'external',
        url: backbone?.url ?? '',
        connected: nats?.connected ?? false,
        serverVersion: nats?.serverVersion ?? '',
      },
      process: {
        rssBytes: memory.rss,
        heapUsedBytes: memory.heapUsed,
        cpuPercent: elapsedMicros > 0 ? (100 * cpuMicros) / elapsedMicros : 0,
        cores: availableParallelism(),
        systemFreeBytes: freemem(),
        systemTotalBytes: totalmem(),
      },
      ...(reason === undefined ? {} : { unhealthyReason: reason }),
    });
  };
}

/**
 * The planning use cases of the daemon serving this data folder, over its gRPC API (it owns the folder
 * and the NATS its events go to). UNAVAILABLE, saying how to start one, when none serves it.
 */
export function connectPlanning(config: FleetConfig): PlanningService & { close(): void } {
  const owner = runningDaemon(config);
  if (owner?.grpcPort === undefined) {
    throw new FleetError('UNAVAILABLE', `no daemon serves ${config.dataDir}: start one with \`fleet serve --data-dir ${config.dataDir}\``);
  }
  const host = LOOPBACK_OR_ANY.has(config.grpcHost) ? '127.0.0.1' : config.grpcHost;
  return connectPlanningService(`${host}:${owner.grpcPort}`, {
    ...(config.grpcToken === undefined ? {} : { token: config.grpcToken }),
    ...(config.grpcTlsCert === undefined ? {} : { rootCert: readFileSync(config.grpcTlsCert) }),
  });
}

const LOOPBACK_OR_ANY = new Set(['127.0.0.1', '0.0.0.0', 'localhost', '::', '::1']);

/**
 * Deliberations' events on their way to NATS, each completed one also written into the decision graph
 * as its story's Decision (a re-deliberation after a rejection superseding the one rejected), then
 * announced as context.updated. The graph failing is logged: the deliberation's own record stands.
 */
function projecting(bus: EventBus, projector: ContextProjector | undefined, planning: () => Planning | undefined, log: Logger): EventBus {
  return {
    publish(event) {
      if (projector !== undefined && event.type === 'finished' && event.deliberation.task.storyId !== undefined) {
        const d = event.deliberation;
        projector
          .decision(d)
          .then((id) => (id === undefined ? undefined : planning()?.contextUpdated(d.task.storyId!, d.finishedAtMs ?? Date.now())))
          .catch((error: unknown) =>
            log.log('warn', 'the decision graph could not take a deliberation', { task_id: d.taskId, error: String(error) }),
          );
      }
      return bus.publish(event);
    },
  };
}

/** The context a deliberation of a story this daemon plans starts with, sized to leave the model room to answer. */
function storyContext(reader: ContextReader, graph: ContextGraph, model: ModelSlot) {
  return async (storyId: string, role: Role): Promise<{ text: string; version: string } | undefined> => {
    // A story the graph holds (planned here, or written through the context service) never runs without its context.
    if ((await graph.node({ kind: 'Story', id: storyId })) === undefined) return undefined;
    const budget = Math.min(ROLE_TOKEN_BUDGET[role], Math.floor((model.contextTokens ?? 4 * ROLE_TOKEN_BUDGET[role]) / 4));
    const built = await reader.build({ storyId, role, phase: 'DESIGN', tokenBudget: budget });
    return { text: built.context, version: built.version };
  };
}
