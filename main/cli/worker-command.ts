import { Command } from 'commander';

import { LIMITS } from '../../core/domain/council.js';
import type { Role } from '../../core/domain/role.js';
import { parseRole } from '../../core/domain/validation.js';
import { openLanguageModel, paths, startModelWorker } from '../compose.js';
import { loadConfig } from '../config.js';
import { createLogger } from '../log.js';
import { type CommonFlags, intOption, overridesOf, withCommonOptions } from './common-options.js';
import { downloadPrinter } from './progress.js';

interface WorkerFlags extends CommonFlags {
  role: string[];
  concurrency: number;
  natsToken?: string;
  natsUrl?: string;
}

export function workerCommand(): Command {
  return withCommonOptions(
    new Command('worker')
      .description("serve a fleet's agent turns with this machine's model (and GPU), reached over NATS")
      .option('--nats-url <url>', "the fleet's NATS (default: the local daemon's, found through --data-dir)")
      .option('--nats-token <token>', 'auth token for --nats-url')
      .option('--role <role>', 'serve this role (repeatable; default: all five)', (v: string, acc: string[]) => [...acc, v], [])
      .addOption(intOption('--concurrency <n>', 'turns decoded at once (sequences of one context)', 1, LIMITS.agents.max * 4).default(8)),
  ).action(async (flags: WorkerFlags) => {
    const roles: Role[] = flags.role.map((r) => parseRole(r, '--role'));
    const config = loadConfig({ ...overridesOf(flags), natsUrl: flags.natsUrl, natsToken: flags.natsToken });
    const log = createLogger(paths(config).log, flags.verbose === true ? 'debug' : 'info');
    const model = await openLanguageModel(config, { log, onDownloadProgress: downloadPrinter(process.stderr) });
    try {
      const worker = await startModelWorker(config, model, { ...(roles.length > 0 ? { roles } : {}), concurrency: flags.concurrency }, log);
      process.stdout.write(`fleet: worker serving ${roles.length > 0 ? roles.join(', ') : 'all roles'} on ${model.info.name}\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      // Turns in hand are finished or handed back to another worker, never dropped.
      await worker.stop();
    } finally {
      await model.close();
    }
  });
}
