import { readFileSync } from 'node:fs';

import { Command } from 'commander';

import { terminalSafe } from '../../core/base/terminal-text.js';
import { FleetError, invalidArgument } from '../../core/domain/errors.js';
import { deadLetters, republish } from '../compose-nats.js';
import { intOption } from './common-options.js';
import { natsConfig, type NatsFlags, withNatsOptions } from './nats-options.js';

export function dlqCommand(): Command {
  const dlq = new Command('dlq').description('dead letters: events that were refused, with the reason and the original bytes');

  dlq.addCommand(
    withNatsOptions(
      new Command('list')
        .description('list dead letters, oldest first')
        .addOption(intOption('--limit <n>', 'the newest n', 1, 10_000).default(100))
        .option('--json', 'print JSON (original bytes as UTF-8 text)'),
    ).action(async (flags: NatsFlags & { limit: number; json?: boolean }) => {
      const letters = await deadLetters(natsConfig(flags), flags.limit);
      const text = (data: Uint8Array) => new TextDecoder().decode(data);
      if (flags.json === true) {
        const rows = letters.map((l) => ({
          seq: l.seq,
          subject: l.subject,
          reason: l.reason,
          field: l.field ?? null,
          dead_at: l.deadAt.toISOString(),
          original: text(l.data),
          truncated: l.truncated,
        }));
        process.stdout.write(`${terminalSafe(JSON.stringify(rows, null, 2), { lines: true })}\n`);
      } else if (letters.length === 0) {
        process.stdout.write('no dead letters\n');
      } else {
        for (const l of letters) {
          // Dead letters are whatever a publisher sent: printed escaped, never as terminal commands.
          const original = text(l.data);
          const shown = terminalSafe(original.length > 200 ? `${original.slice(0, 199)}…` : original);
          process.stdout.write(
            `#${l.seq}  ${l.deadAt.toISOString()}  ${terminalSafe(l.subject)}\n    reason: ${terminalSafe(l.reason)}\n    original: ${shown}\n`,
          );
        }
      }
    }),
  );

  dlq.addCommand(
    withNatsOptions(
      new Command('republish')
        .description('publish a corrected event in place of dead letter <seq>, to its original subject')
        .argument('<seq>', "the dead letter's number, from `fleet dlq list`")
        .argument('<file>', 'the corrected event (JSON, flat or in the fleet envelope); - for standard input')
        .option('--remove', 'delete the dead letter once the correction is stored'),
    ).action(async (seq: string, file: string, flags: NatsFlags & { remove?: boolean }) => {
      const n = Number(seq);
      if (!Number.isInteger(n) || n < 1) throw invalidArgument('<seq>', 'a positive integer', seq);
      const corrected = readCorrection(file);
      const result = await republish(natsConfig(flags), n, corrected, flags.remove === true);
      process.stdout.write(
        `republished to ${result.subject} as #${result.seq}${result.duplicate ? ' (already republished; kept the first)' : ''}\n`,
      );
    }),
  );
  return dlq;
}

/** The corrected event, from a file or standard input; one that cannot be read is bad input, not an internal error. */
function readCorrection(file: string): string {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    throw new FleetError('INVALID_ARGUMENT', `<file>: cannot read ${file === '-' ? 'standard input' : file} (${(e as Error).message})`, {
      field: '<file>',
      cause: e,
    });
  }
}
