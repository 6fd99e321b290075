import { Command, CommanderError } from 'commander';

import { terminalSafe } from '../../core/base/terminal-text.js';
import { councilsCommand } from './councils-command.js';
import { deliberateCommand } from './deliberate-command.js';
import { dlqCommand } from './dlq-command.js';
import { eventsCommand } from './events-command.js';
import { EXIT, exitCodeOf, messageOf } from './exit-codes.js';
import { modelsCommand } from './models-command.js';
import { planningCommands } from './planning-commands.js';
import { resultCommand } from './result-command.js';
import { serveCommand } from './serve-command.js';
import { tlsCommand } from './tls-command.js';
import { uiCommand } from './ui-command.js';
import { workerCommand } from './worker-command.js';
import { FLEET_VERSION } from '../version.js';

const program = new Command('fleet')
  .description('SWE Fleet: councils of LLM agents deliberating on your workstation')
  .version(FLEET_VERSION)
  .exitOverride()
  .showHelpAfterError('(run with --help for usage)')
  .addCommand(deliberateCommand())
  .addCommand(serveCommand())
  .addCommand(councilsCommand())
  .addCommand(resultCommand())
  .addCommand(eventsCommand())
  .addCommand(dlqCommand())
  .addCommand(uiCommand())
  .addCommand(modelsCommand())
  .addCommand(tlsCommand())
  .addCommand(workerCommand());
const exitOverrideAll = (command: Command): void => {
  command.exitOverride();
  command.commands.forEach(exitOverrideAll);
};
for (const c of planningCommands()) program.addCommand(c);
exitOverrideAll(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and version are not errors; every other usage problem is exit 2 (commander printed why).
    process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else {
    // Messages quote what came from outside (event fields, model output, a server's answer).
    process.stderr.write(`fleet: ${terminalSafe(messageOf(error), { lines: true })}\n`);
    process.exitCode = exitCodeOf(error);
  }
}
