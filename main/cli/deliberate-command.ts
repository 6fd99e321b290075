import { Command } from 'commander';

import { terminalSafe } from '../../core/base/terminal-text.js';
import type { Deliberation } from '../../core/domain/deliberation.js';
import { DEFAULT_AGENTS, DEFAULT_ROUNDS, LIMITS } from '../../core/domain/council.js';
import { checkDescription, checkRequirements, checkRubric, checkTaskId, parseRole } from '../../core/domain/validation.js';
import { composeCore, type Core, deliberationJson, paths, takeDataFolder } from '../compose.js';
import { loadConfig } from '../config.js';
import { createLogger } from '../log.js';
import { type CommonFlags, intOption, overridesOf, withCommonOptions } from './common-options.js';
import { downloadPrinter, progressPrinter } from './progress.js';
import { resultTable } from './result-table.js';

interface DeliberateFlags extends CommonFlags {
  role: string;
  agents: number;
  rounds: number;
  requirement: string[];
  rubric?: string;
  timeout?: number;
  maxTokens?: number;
  taskId?: string;
  orchestrate?: boolean;
  topK?: number;
  json?: boolean;
}

export function deliberateCommand(): Command {
  return withCommonOptions(
    new Command('deliberate')
      .description('run a council deliberation on a task and print the ranked, scored proposals')
      .argument('<task>', 'the task to deliberate on')
      .requiredOption('--role <role>', 'council role: DEV, QA, ARCHITECT, DEVOPS or DATA')
      .addOption(intOption('--agents <n>', 'number of agents', LIMITS.agents.min, LIMITS.agents.max).default(DEFAULT_AGENTS))
      .addOption(intOption('--rounds <n>', 'critique-and-revise rounds', LIMITS.rounds.min, LIMITS.rounds.max).default(DEFAULT_ROUNDS))
      .option(
        '--requirement <text>',
        'a requirement every proposal must address (repeatable)',
        (v: string, acc: string[]) => [...acc, v],
        [],
      )
      .option('--rubric <criteria>', 'comma-separated rubric criteria (default: correctness, completeness, clarity, feasibility)')
      .addOption(intOption('--timeout <seconds>', 'deadline for the whole deliberation', 1, 86_400))
      .addOption(intOption('--max-tokens <n>', 'generation budget per proposal', 16, 8192))
      .option('--task-id <id>', 'task id (default: generated); repeating an id returns the stored result')
      .option('--orchestrate', 'let an ARCHITECT agent choose among the top proposals, with a rationale')
      .addOption(intOption('--top-k <n>', 'how many top proposals the architect chooses among', 1, 8))
      .option('--json', 'print the deliberation as one JSON object (snake_case, as in the proto)'),
  ).action(async (task: string, flags: DeliberateFlags) => {
    const command = {
      description: checkDescription(task, 'task'),
      role: parseRole(flags.role, '--role'),
      numAgents: flags.agents,
      rounds: flags.rounds,
      requirements: checkRequirements(flags.requirement, '--requirement'),
      ...(flags.rubric === undefined ? {} : { rubric: checkRubric(flags.rubric.split(','), '--rubric') }),
      ...(flags.timeout === undefined ? {} : { timeoutMs: flags.timeout * 1000 }),
      ...(flags.maxTokens === undefined ? {} : { maxTokens: flags.maxTokens }),
      ...(flags.taskId === undefined ? {} : { taskId: checkTaskId(flags.taskId, '--task-id') }),
      ...(flags.topK === undefined ? {} : { topK: flags.topK }),
    };
    const config = loadConfig(overridesOf(flags));
    const log = createLogger(paths(config).log, flags.verbose === true ? 'debug' : 'warn');

    // Ctrl-C cancels: generation stops, the deliberation is recorded CANCELLED, the process exits 130.
    const controller = new AbortController();
    const onSigint = () => controller.abort();
    process.once('SIGINT', onSigint);
    // A daemon on this folder owns it: refused (exit 6, naming it) rather than writing beside it.
    const folder = takeDataFolder(config, 'fleet deliberate');
    let core: Core;
    try {
      core = await composeCore(config, { log, onDownloadProgress: downloadPrinter(process.stderr), signal: controller.signal });
    } catch (e) {
      folder.release();
      process.off('SIGINT', onSigint);
      throw e;
    }
    try {
      if (flags.json !== true) process.stderr.write(`council of ${command.numAgents} ${command.role} agents on ${core.model.info.name}\n`);
      const { deliberations } = core.fleet;
      const run = flags.orchestrate === true ? deliberations.orchestrate.bind(deliberations) : deliberations.deliberate.bind(deliberations);
      const printProgress = progressPrinter(process.stderr);
      let finished: Deliberation | undefined;
      const print = (d: Deliberation) =>
        process.stdout.write(
          flags.json === true ? `${terminalSafe(JSON.stringify(deliberationJson(d), null, 2), { lines: true })}\n` : `${resultTable(d)}\n`,
        );
      try {
        print(
          await run(command, {
            signal: controller.signal,
            onEvent: (e) => {
              if (e.type === 'finished') finished = e.deliberation;
              printProgress(e);
            },
          }),
        );
      } catch (e) {
        // A deliberation that ended badly is still shown (what failed, where), then the error sets the exit code.
        if (finished !== undefined) print(finished);
        throw e;
      }
    } finally {
      process.off('SIGINT', onSigint);
      await core.close();
      folder.release();
    }
  });
}
