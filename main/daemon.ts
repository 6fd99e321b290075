import { composeCore, type GrpcEndpoint, startGrpc } from './compose.js';
import { type Backbone, startBackbone } from './compose-nats.js';
import type { FleetConfig } from './config.js';
import type { Logger } from './log.js';

export interface Daemon {
  readonly grpcPort: number;
  /** Stops in reverse order of start: health NOT_SERVING, gRPC drained, model and database closed, then NATS. */
  stop(): Promise<void>;
}

export interface DaemonOptions {
  /** Serve agent requests with this machine's model (default); off when only remote workers should. */
  readonly localWorkers: boolean;
}

/** Daemon lifecycle: NATS → database → model → councils → planning events → gRPC → SERVING. */
export async function startDaemon(config: FleetConfig, log: Logger, options: DaemonOptions = { localWorkers: true }): Promise<Daemon> {
  const backbone: Backbone = await startBackbone(config, log);
  let core: Awaited<ReturnType<typeof composeCore>>;
  try {
    core = await composeCore(config, {
      log,
      onDownloadProgress: (p) => log.log('info', 'downloading model', { downloaded: p.downloadedBytes, total: p.totalBytes }),
      backbone,
      localWorkers: options.localWorkers,
    });
  } catch (e) {
    await backbone.close();
    throw e;
  }
  let grpc: GrpcEndpoint;
  try {
    const started = core.fleet.start();
    if (started.councilsCreated > 0) log.log('info', `created ${started.councilsCreated} default councils`);
    for (const id of started.interrupted) log.log('warn', 'deliberation interrupted by the previous stop, marked FAILED', { task_id: id });
    core.fleet.setServing(true);
    await backbone.startPlanning(core.fleet);
    grpc = await startGrpc(core.fleet, config, log);
  } catch (e) {
    // The same order as stop(): nothing takes work, the core's workers end, NATS goes last.
    core.fleet.setServing(false);
    await core.close();
    await backbone.close();
    throw e;
  }
  grpc.setServing(true);
  log.log('info', 'serving', {
    grpc: `${config.grpcHost}:${grpc.port}`,
    nats: backbone.url,
    model: core.model.info.name,
    data_dir: config.dataDir,
  });

  let stopping: Promise<void> | undefined;
  return {
    grpcPort: grpc.port,
    stop() {
      stopping ??= (async () => {
        grpc.setServing(false);
        core.fleet.setServing(false);
        // Stopping gRPC cancels the calls in flight; their deliberations are recorded CANCELLED.
        await grpc.stop();
        await core.close();
        await backbone.close();
        log.log('info', 'stopped');
      })();
      return stopping;
    },
  };
}
