import { DisposalStack } from '../core/base/disposal.js';
import { composeCore, startGrpc, startUi, systemFacts, takeDataFolder } from './compose.js';
import { createModelCatalog } from './compose-models.js';
import { type Backbone, startBackbone } from './compose-nats.js';
import type { FleetConfig } from './config.js';
import { checkStartSpace, type DiskWatch, watchDisk } from './disk-space.js';
import { checkUiExposure, grpcSecurity } from './grpc-security.js';
import type { Logger } from './log.js';

export interface Daemon {
  readonly grpcPort: number;
  /** The desktop UI's address with this launch's token. */
  readonly uiUrl: string;
  /** Stops in reverse order of start: health NOT_SERVING, gRPC drained, model and database closed, then NATS. */
  stop(): Promise<void>;
}

export interface DaemonOptions {
  /** Serve agent requests with this machine's model (default); off when only remote workers should. */
  readonly localWorkers: boolean;
  /** Cancels a start in progress (a model download, say): what was started is stopped again. */
  readonly signal?: AbortSignal;
  /** Serve gRPC beyond loopback without a token and TLS; warned about on every start. */
  readonly insecure?: boolean;
}

/** Daemon lifecycle: NATS → database → model → councils → planning events → gRPC → SERVING. */
export async function startDaemon(config: FleetConfig, log: Logger, options: DaemonOptions = { localWorkers: true }): Promise<Daemon> {
  // Who may call the API is settled before anything starts: a refusal leaves nothing to undo.
  const security = grpcSecurity(config, { insecure: options.insecure === true }, log);
  checkUiExposure(config, { insecure: options.insecure === true }, log);
  // Released in reverse: nothing takes work, gRPC calls in flight are cancelled (their deliberations
  // recorded CANCELLED), the core's workers, model and database close, NATS goes last.
  const resources = new DisposalStack();
  let disk: DiskWatch | undefined;
  try {
    // Read only: a disk too small is said plainly, before a write could fail on it.
    checkStartSpace(config);
    // First taken, last let go: a second daemon is refused before it could touch this one's NATS.
    const folder = takeDataFolder(config, 'fleet serve');
    resources.defer(() => folder.release());
    const backbone: Backbone = await startBackbone(config, log);
    resources.defer(() => backbone.close());
    const core = await composeCore(config, {
      log,
      onDownloadProgress: (p) => log.log('info', 'downloading model', { downloaded: p.downloadedBytes, total: p.totalBytes }),
      backbone,
      localWorkers: options.localWorkers,
      onDiskFull: (error) => disk?.report(error),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    resources.defer(() => core.close());
    // Before the core closes: a wedged JetStream could finish none of its stop's work anyway.
    resources.defer(() => backbone.letGoIfUnanswered());
    const { councilsCreated, interrupted } = core.startup;
    if (councilsCreated > 0) log.log('info', `created ${councilsCreated} default councils`);
    for (const id of interrupted) log.log('warn', 'deliberation interrupted by the previous stop, marked FAILED', { task_id: id });
    await backbone.startPlanning(core.fleet.deliberations);
    let unhealthy: string | undefined;
    const desktop = {
      events: backbone.monitor,
      system: systemFacts(config, core.model, backbone, () => unhealthy),
      models: createModelCatalog(config, core, log),
    };
    const grpc = await startGrpc(core.fleet, config, log, security, {
      desktop,
      storyCoach: core.storyCoach,
      ...(core.planning === undefined ? {} : { planning: core.planning }),
      ...(core.derivation === undefined ? {} : { derivation: core.derivation }),
      ...(core.context === undefined ? {} : { context: core.context }),
    });
    resources.defer(() => grpc.stop());
    // Stopped before gRPC: its open event streams are calls gRPC would otherwise wait out.
    const ui = await startUi(config, grpc, security, log);
    resources.defer(() => ui.stop());
    folder.describe({ grpcPort: grpc.port, uiUrl: ui.url });
    grpc.setServing(true);
    resources.defer(() => grpc.setServing(false));
    // A full disk stops the work at once and says so on health; the work resumes when there is room.
    disk = watchDisk({
      folder: config.dataDir,
      probes: [() => backbone.probe()],
      onChange: (failure) => {
        if (failure === undefined) log.log('info', 'the data folder can be written again: serving');
        else log.log('error', `${failure.message}: running deliberations failed, new ones refused until there is room`);
        unhealthy = failure?.message;
        grpc.setServing(failure === undefined);
        core
          .setStoreFailure(failure)
          .catch((error: unknown) =>
            log.log('error', 'deliberations left unfinished by the full disk not recorded', { error: String(error) }),
          );
      },
    });
    resources.defer(() => disk?.stop());
    log.log('info', 'serving', {
      grpc: `${config.grpcHost}:${grpc.port}`,
      nats: backbone.url,
      model: core.model.info.name,
      data_dir: config.dataDir,
    });
    let stopping: Promise<void> | undefined;
    return {
      grpcPort: grpc.port,
      uiUrl: ui.url,
      stop() {
        stopping ??= resources.dispose().then(() => log.log('info', 'stopped'));
        return stopping;
      },
    };
  } catch (e) {
    await resources.dispose().catch((error: unknown) => log.log('warn', 'cleanup after a failed start', { error: String(error) }));
    throw e;
  }
}
