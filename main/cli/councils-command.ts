import { Command } from 'commander';

import { terminalSafe } from '../../core/base/terminal-text.js';
import { parseRole } from '../../core/domain/validation.js';
import { openStores } from '../compose.js';
import { loadConfig } from '../config.js';

export function councilsCommand(): Command {
  return new Command('councils')
    .description('list the councils in the data folder')
    .option('--data-dir <dir>', 'data folder; default: the platform app-data folder')
    .option('--role <role>', 'only this role')
    .option('--json', 'print JSON')
    .action(async (flags: { dataDir?: string; role?: string; json?: boolean }) => {
      const role = flags.role === undefined ? undefined : parseRole(flags.role, '--role');
      const stores = openStores(loadConfig({ dataDir: flags.dataDir }));
      try {
        const councils = await stores.councils.list(role);
        if (flags.json === true) {
          const rows = councils.map((c) => ({
            council_id: c.id,
            role: c.role,
            num_agents: c.agents.length,
            agents: c.agents.map((a) => a.id),
            model: c.model,
            rounds: c.rounds,
          }));
          process.stdout.write(`${terminalSafe(JSON.stringify(rows, null, 2), { lines: true })}\n`);
        } else if (councils.length === 0) {
          process.stdout.write('no councils yet: `fleet serve` and `fleet deliberate` create one per role on first start\n');
        } else {
          for (const c of councils)
            // Councils can be created over gRPC: their names are printed escaped.
            process.stdout.write(
              `${terminalSafe(`${c.id}  ${c.role.padEnd(9)}  ${c.agents.length} agents (${c.agents.map((a) => a.id).join(', ')})  model ${c.model}`)}\n`,
            );
        }
      } finally {
        stores.close();
      }
    });
}
