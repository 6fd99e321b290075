import { Command } from 'commander';

import { paths } from '../compose.js';
import { loadConfig } from '../config.js';
import { startDaemon } from '../daemon.js';
import { createLogger } from '../log.js';
import { type CommonFlags, intOption, overridesOf, withCommonOptions } from './common-options.js';

interface ServeFlags extends CommonFlags {
  grpcPort?: number;
  grpcHost?: string;
  natsUrl?: string;
  natsToken?: string;
  localWorkers: boolean;
}

export function serveCommand(): Command {
  return withCommonOptions(
    new Command('serve')
      .description('run the daemon: the gRPC API (fleet.orchestrator.v1) over the local core')
      .addOption(intOption('--grpc-port <port>', 'gRPC port (default 50055; 0 picks a free one)', 0, 65535))
      .option('--grpc-host <host>', 'gRPC listen address (default 127.0.0.1)')
      .option('--nats-url <url>', 'attach to this NATS (cluster mode) instead of running the embedded nats-server')
      .option('--nats-token <token>', 'auth token for --nats-url')
      .option('--no-local-workers', "don't serve agent turns with this machine's model: only `fleet worker`s elsewhere do"),
  ).action(async (flags: ServeFlags) => {
    const config = loadConfig({
      ...overridesOf(flags),
      ...(flags.grpcPort === undefined ? {} : { grpcPort: flags.grpcPort }),
      ...(flags.grpcHost === undefined ? {} : { grpcHost: flags.grpcHost }),
      ...(flags.natsUrl === undefined ? {} : { natsUrl: flags.natsUrl }),
      ...(flags.natsToken === undefined ? {} : { natsToken: flags.natsToken }),
    });
    const log = createLogger(paths(config).log, flags.verbose === true ? 'debug' : 'info');
    const daemon = await startDaemon(config, log, { localWorkers: flags.localWorkers });
    // Tests and supervisors read this line to learn the bound port.
    process.stdout.write(`fleet: listening on ${config.grpcHost}:${daemon.grpcPort}\n`);
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'));
      process.once('SIGTERM', () => resolve('SIGTERM'));
    });
    log.log('info', `received ${signal}, stopping`);
    // Awaited here, so a stop that fails ends the command with its message and exit code.
    await daemon.stop();
  });
}
