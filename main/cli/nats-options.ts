import type { Command } from 'commander';

import { loadConfig, type FleetConfig } from '../config.js';

export interface NatsFlags {
  dataDir?: string;
  natsUrl?: string;
  natsToken?: string;
}

/** Commands that talk to the daemon's NATS: found through the data dir, or given explicitly. */
export const withNatsOptions = (command: Command): Command =>
  command
    .option('--data-dir <dir>', 'data folder of the daemon whose embedded NATS to use')
    .option('--nats-url <url>', 'an external NATS instead (cluster mode)')
    .option('--nats-token <token>', 'auth token for --nats-url');

export const natsConfig = (flags: NatsFlags): FleetConfig =>
  loadConfig({ dataDir: flags.dataDir, natsUrl: flags.natsUrl, natsToken: flags.natsToken });
