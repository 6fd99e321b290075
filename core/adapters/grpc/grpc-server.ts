import { Server, ServerCredentials } from '@grpc/grpc-js';
import { ContextServiceService } from '../../../proto/gen/fleet/context/v1/context.js';
import { DesktopServiceService } from '../../../proto/gen/fleet/desktop/v1/desktop.js';
import { OrchestratorServiceService } from '../../../proto/gen/fleet/orchestrator/v1/orchestrator.js';
import { PlanningServiceService } from '../../../proto/gen/fleet/planning/v2/planning.js';
import { StoryCoachServiceService } from '../../../proto/gen/fleet/storycoach/v1/storycoach.js';
import { TaskDerivationPlanningServiceService } from '../../../proto/gen/fleet/task_derivation/v1/task_derivation.js';
import { HealthService } from '../../../proto/gen/grpc/health/v1/health.js';
import { FleetError, invalidArgument } from '../../domain/errors.js';
import type { PlanningService } from '../../ports/planning-service.js';
import type { StoryCoachService } from '../../ports/story-coach.js';
import type { TaskDerivationService } from '../../ports/task-derivation.js';
import { silentLog, type Log } from '../../ports/log.js';
import type { FleetUseCases } from './fleet-use-cases.js';
import { createHealth } from './health-service.js';
import { bearerAuth } from './bearer-auth.js';
import { contextHandlers, type ContextSources } from './context-handlers.js';
import { desktopHandlers, type DesktopSources } from './desktop-handlers.js';
import { orchestratorHandlers } from './orchestrator-handlers.js';
import { planningHandlers } from './planning-handlers.js';
import { storyCoachHandlers } from './storycoach-handlers.js';
import { taskDerivationHandlers } from './task-derivation-handlers.js';
import { tolerantDecoding } from './undecodable-requests.js';

export const DEFAULT_GRPC_PORT = 50055;
const DEFAULT_SHUTDOWN_GRACE_MS = 2000;
const ORCHESTRATOR_SERVICE_NAME = 'fleet.orchestrator.v1.OrchestratorService';
const DESKTOP_SERVICE_NAME = 'fleet.desktop.v1.DesktopService';
// The cluster's other services, served under their cluster names (UNIMPLEMENTED rpc by rpc until done).
const CLUSTER_SERVICE_NAMES = [
  'fleet.planning.v2.PlanningService',
  'fleet.storycoach.v1.StoryCoachService',
  'fleet.task_derivation.v1.TaskDerivationPlanningService',
  'fleet.context.v1.ContextService',
];
// Listening hosts a plaintext client on this machine reaches the same server through.
const LOOPBACK_TARGETS: Readonly<Record<string, string>> = {
  '127.0.0.1': '127.0.0.1',
  '0.0.0.0': '127.0.0.1',
  localhost: 'localhost',
  '::1': '[::1]',
  '::': '[::1]',
};

export interface GrpcServerOptions {
  readonly fleet: FleetUseCases;
  /** Reported to clients as the orchestrator's version. */
  readonly version: string;
  /** Loopback by default: the daemon serves its own workstation unless told otherwise. */
  readonly host?: string;
  /** 0 picks any free port; the bound one is in the result. */
  readonly port?: number;
  readonly onLog?: Log;
  /** How long stop() lets calls in flight finish before cancelling them. */
  readonly shutdownGraceMs?: number;
  /** When set, every call but the health service's must carry `authorization: Bearer <token>`. */
  readonly token?: string;
  /** When set, the server speaks TLS only; otherwise plaintext. */
  readonly tls?: GrpcTls;
  /** The story contexts and the graph behind fleet.context.v1; without them its rpcs answer FAILED_PRECONDITION. */
  readonly context?: ContextSources;
  /** StoryCoach's model-backed rpcs (refine, suggest); without it they answer FAILED_PRECONDITION. */
  readonly storyCoach?: StoryCoachService;
  /** The planning use cases behind fleet.planning.v2; without them its rpcs answer FAILED_PRECONDITION. */
  readonly planning?: PlanningService;
  /** Task derivation behind fleet.task_derivation.v1 and the orchestrator's DeriveSubtasks; without it they answer FAILED_PRECONDITION. */
  readonly derivation?: TaskDerivationService;
  /** When set, the desktop app's service (history, stop, events, system) is served too. */
  readonly desktop?: DesktopSources;
}

/** A PEM certificate chain and its private key, as read from their files. */
export interface GrpcTls {
  readonly certChain: Buffer;
  readonly privateKey: Buffer;
}

export interface GrpcServer {
  /** The port actually bound. */
  readonly port: number;
  /**
   * A plaintext address on this machine for in-process clients (the UI's forwarding): the server's own
   * when it listens on loopback without TLS, otherwise a second listener on 127.0.0.1 (same token rule).
   */
  readonly loopbackTarget: string;
  /** Health reports NOT_SERVING until this is called with true (once the model and stores are ready). */
  setServing(serving: boolean): void;
  /** NOT_SERVING first, then a graceful shutdown, then a forced one after the grace period. Idempotent. */
  stop(): Promise<void>;
}

export async function startGrpcServer(options: GrpcServerOptions): Promise<GrpcServer> {
  const { fleet, host = '127.0.0.1', port = DEFAULT_GRPC_PORT, onLog: log = silentLog } = options;
  const graceMs = options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw invalidArgument('port', 'an integer in 0..65535', port);

  const health = createHealth([
    ORCHESTRATOR_SERVICE_NAME,
    ...CLUSTER_SERVICE_NAMES,
    ...(options.desktop === undefined ? [] : [DESKTOP_SERVICE_NAME]),
  ]);
  const server = new Server(options.token === undefined ? {} : { interceptors: [bearerAuth(options.token, log)] });
  server.addService(HealthService, health.handlers);
  server.addService(
    tolerantDecoding(OrchestratorServiceService),
    orchestratorHandlers(fleet, { version: options.version, now: Date.now }, log, options.context?.reader, options.derivation),
  );
  server.addService(tolerantDecoding(PlanningServiceService), planningHandlers(options.planning, log));
  server.addService(tolerantDecoding(StoryCoachServiceService), storyCoachHandlers(options.storyCoach, log));
  server.addService(tolerantDecoding(TaskDerivationPlanningServiceService), taskDerivationHandlers(options.derivation, log));
  server.addService(tolerantDecoding(ContextServiceService), contextHandlers(options.context, log));
  if (options.desktop !== undefined) {
    server.addService(
      tolerantDecoding(DesktopServiceService),
      desktopHandlers(fleet, options.desktop, { version: options.version, now: Date.now }, log),
    );
  }

  const address = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const bind = (at: string, creds: ServerCredentials) =>
    new Promise<number>((resolve, reject) => {
      server.bindAsync(at, creds, (error, bound) => {
        if (error === null) {
          resolve(bound);
          return;
        }
        server.forceShutdown();
        reject(
          new FleetError('UNAVAILABLE', `cannot listen for gRPC on ${at}: ${error.message}; ${bindHint(error.message)}`, {
            cause: error,
          }),
        );
      });
    });
  const boundPort = await bind(address, credentialsOf(options.tls));
  const sameListener = options.tls === undefined ? LOOPBACK_TARGETS[host] : undefined;
  const loopbackTarget =
    sameListener === undefined
      ? `127.0.0.1:${await bind('127.0.0.1:0', ServerCredentials.createInsecure())}`
      : `${sameListener}:${boundPort}`;
  log('info', 'gRPC listening', { address: `${host}:${boundPort}` });

  let stopping: Promise<void> | undefined;
  return {
    port: boundPort,
    loopbackTarget,
    setServing(serving) {
      if (stopping === undefined) health.setServing(serving);
    },
    stop() {
      stopping ??= (async () => {
        health.setServing(false);
        health.endWatches();
        await new Promise<void>((resolve) => {
          const force = setTimeout(() => {
            log('warn', 'gRPC calls still running after the grace period; cancelling them', { graceMs });
            server.forceShutdown();
            resolve();
          }, graceMs);
          server.tryShutdown(() => {
            clearTimeout(force);
            resolve();
          });
        });
        log('info', 'gRPC stopped');
      })();
      return stopping;
    },
  };
}

function credentialsOf(tls: GrpcTls | undefined): ServerCredentials {
  if (tls === undefined) return ServerCredentials.createInsecure();
  try {
    return ServerCredentials.createSsl(null, [{ cert_chain: tls.certChain, private_key: tls.privateKey }], false);
  } catch (error) {
    throw new FleetError('INVALID_ARGUMENT', `the TLS certificate or key cannot be used: ${(error as Error).message}`, {
      field: 'tls',
      cause: error,
    });
  }
}

function bindHint(message: string): string {
  if (message.includes('EADDRINUSE')) return 'the port is taken (another fleet daemon?): choose another with --grpc-port';
  if (message.includes('EACCES')) return 'not allowed to listen there: choose a port above 1023 with --grpc-port';
  return 'check the host and --grpc-port';
}
