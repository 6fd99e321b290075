import { Command } from 'commander';

import { FleetError } from '../../core/domain/errors.js';
import { paths } from '../compose.js';
import { loadConfig } from '../config.js';
import { startDaemon } from '../daemon.js';
import { createLogger } from '../log.js';
import { type CommonFlags, intOption, overridesOf, withCommonOptions } from './common-options.js';

interface ServeFlags extends CommonFlags {
  grpcPort?: number;
  uiPort?: number;
  uiHost?: string;
  grpcHost?: string;
  natsUrl?: string;
  natsToken?: string;
  natsMonitoring?: boolean;
  natsStoreMb?: number;
  natsMaxAgeHours?: number;
  grpcToken?: string;
  grpcTlsCert?: string;
  grpcTlsKey?: string;
  insecure?: boolean;
  localWorkers: boolean;
}

export function serveCommand(): Command {
  return withCommonOptions(
    new Command('serve')
      .description('run the daemon: the gRPC API (fleet.orchestrator.v1) over the local core')
      .addOption(intOption('--grpc-port <port>', 'gRPC port (default 50055; 0 picks a free one)', 0, 65535))
      .option('--ui-host <host>', "the desktop UI's listen address (default 127.0.0.1); any but loopback needs --insecure")
      .addOption(intOption('--ui-port <port>', "the desktop UI's port (default 0: a free one, printed as `ui: <url>`)", 0, 65535))
      .option(
        '--grpc-host <host>',
        'gRPC listen address (default 127.0.0.1); any but loopback needs --grpc-token and --grpc-tls-cert/--grpc-tls-key, or --insecure',
      )
      .option(
        '--grpc-token <token>',
        'require `authorization: Bearer <token>` on every call (health excepted); FLEET_GRPC_TOKEN keeps it out of ps',
      )
      .option('--grpc-tls-cert <file>', 'serve gRPC over TLS with this PEM certificate (chain); `fleet tls generate` makes a pair')
      .option('--grpc-tls-key <file>', 'the PEM private key of --grpc-tls-cert')
      .option('--insecure', 'serve beyond loopback without a token or TLS anyway (a warning on every start)')
      .option('--nats-url <url>', 'attach to this NATS (cluster mode) instead of running the embedded nats-server')
      .option('--nats-token <token>', 'auth token for --nats-url')
      .option('--nats-monitoring', "open the embedded nats-server's HTTP monitoring port (loopback; it asks no token)")
      .addOption(
        intOption(
          '--nats-store-mb <mb>',
          'disk the embedded NATS streams may take, shared by the six (default 96; the daemon needs this plus 32 MiB free to start)',
          6,
          1024 * 1024,
        ),
      )
      .addOption(intOption('--nats-max-age-hours <h>', 'the embedded NATS streams drop messages older than this (default 24)', 1, 24 * 365))
      .option('--no-local-workers', "don't serve agent turns with this machine's model: only `fleet worker`s elsewhere do"),
  ).action(async (flags: ServeFlags) => {
    const config = loadConfig({
      ...overridesOf(flags),
      ...(flags.grpcPort === undefined ? {} : { grpcPort: flags.grpcPort }),
      ...(flags.uiPort === undefined ? {} : { uiPort: flags.uiPort }),
      ...(flags.uiHost === undefined ? {} : { uiHost: flags.uiHost }),
      ...(flags.grpcHost === undefined ? {} : { grpcHost: flags.grpcHost }),
      ...(flags.natsUrl === undefined ? {} : { natsUrl: flags.natsUrl }),
      ...(flags.natsToken === undefined ? {} : { natsToken: flags.natsToken }),
      ...(flags.natsMonitoring === undefined ? {} : { natsMonitoring: flags.natsMonitoring }),
      ...(flags.natsStoreMb === undefined ? {} : { natsStoreMb: flags.natsStoreMb }),
      ...(flags.natsMaxAgeHours === undefined ? {} : { natsMaxAgeHours: flags.natsMaxAgeHours }),
      ...(flags.grpcToken === undefined ? {} : { grpcToken: flags.grpcToken }),
      ...(flags.grpcTlsCert === undefined ? {} : { grpcTlsCert: flags.grpcTlsCert }),
      ...(flags.grpcTlsKey === undefined ? {} : { grpcTlsKey: flags.grpcTlsKey }),
    });
    const log = createLogger(paths(config).log, flags.verbose === true ? 'debug' : 'info');
    // Hooked before the start: a signal while the model loads cancels the start, and one after it
    // stops the daemon; either way the embedded nats-server goes with it rather than being orphaned.
    const startup = new AbortController();
    const signal = new Promise<NodeJS.Signals>((resolve) => {
      for (const name of STOP_SIGNALS)
        process.once(name, () => {
          if (name === 'SIGHUP') keepWritingAfterHangup();
          startup.abort(new FleetError('CANCELLED', `received ${name} while starting`));
          resolve(name);
        });
    });
    const daemon = await startDaemon(config, log, {
      localWorkers: flags.localWorkers,
      signal: startup.signal,
      insecure: flags.insecure === true,
    });
    // Tests and supervisors read these lines to learn the bound ports; the listening line comes last.
    process.stdout.write(`ui: ${daemon.uiUrl}\n`);
    process.stdout.write(`fleet: listening on ${config.grpcHost}:${daemon.grpcPort}\n`);
    log.log('info', `received ${await signal}, stopping`);
    // Awaited here, so a stop that fails ends the command with its message and exit code.
    await daemon.stop();
  });
}

/** SIGHUP is the terminal closing: the daemon stops cleanly, as on Ctrl-C or SIGTERM. */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** A closed terminal fails every later write (EIO): the stop's log lines must not end it half way. */
function keepWritingAfterHangup(): void {
  const ignore = (): void => undefined;
  process.stdout.on('error', ignore);
  process.stderr.on('error', ignore);
}
