import { Command } from 'commander';

import { terminalSafe } from '../../core/base/terminal-text.js';
import { notFound } from '../../core/domain/errors.js';
import { deliberationJson, openStores } from '../compose.js';
import { loadConfig } from '../config.js';
import { resultTable } from './result-table.js';

export function resultCommand(): Command {
  return new Command('result')
    .description('show a stored deliberation by task id')
    .argument('<task-id>', 'the task id printed by `fleet deliberate`')
    .option('--data-dir <dir>', 'data folder; default: the platform app-data folder')
    .option('--json', 'print the deliberation as one JSON object')
    .action(async (taskId: string, flags: { dataDir?: string; json?: boolean }) => {
      const stores = openStores(loadConfig({ dataDir: flags.dataDir }));
      try {
        const d = await stores.deliberations.get(taskId);
        if (d === undefined) throw notFound('deliberation', taskId);
        process.stdout.write(
          flags.json === true ? `${terminalSafe(JSON.stringify(deliberationJson(d), null, 2), { lines: true })}\n` : `${resultTable(d)}\n`,
        );
      } finally {
        stores.close();
      }
    });
}
