import { Command, InvalidArgumentError } from 'commander';

import { terminalSafe } from '../../core/base/terminal-text.js';
import { type FeedEvent, followEvents } from '../compose-nats.js';
import { natsConfig, type NatsFlags, withNatsOptions } from './nats-options.js';

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--since 10m` (a duration back from now) or an ISO time. */
function parseSince(raw: string): Date {
  const relative = /^(\d+)([smhd])$/.exec(raw);
  if (relative !== null) return new Date(Date.now() - Number(relative[1]) * UNITS[relative[2]!]!);
  const at = new Date(raw);
  if (Number.isNaN(at.getTime())) throw new InvalidArgumentError(`--since: expected a duration like 10m / 2h or an ISO time, got "${raw}"`);
  return at;
}

interface EventsFlags extends NatsFlags {
  follow?: boolean;
  since?: Date;
  json?: boolean;
}

export function eventsCommand(): Command {
  return withNatsOptions(
    new Command('events')
      .description('show the event feed: planning, orchestration, context and agent events, all streams at once')
      .option('--follow', 'keep following new events until Ctrl-C')
      .option('--since <when>', 'replay from this point (10m, 2h, 1d or an ISO time); default 1h without --follow', parseSince)
      .option('--json', 'one JSON object per line'),
  ).action(async (flags: EventsFlags) => {
    const controller = new AbortController();
    process.once('SIGINT', () => controller.abort());
    const since = flags.since ?? (flags.follow === true ? undefined : parseSince('1h'));
    // Events are whatever was published: their text is printed escaped, never as terminal commands.
    const print = (e: FeedEvent) => {
      if (flags.json === true) {
        process.stdout.write(`${terminalSafe(JSON.stringify(eventJson(e)))}\n`);
      } else {
        const fields = JSON.stringify(e.event.fields);
        const line = `${e.storedAt.toISOString()}  ${e.subject.padEnd(40)}  ${e.event.form.padEnd(8)}  ${fields.length > 140 ? `${fields.slice(0, 139)}…` : fields}`;
        process.stdout.write(`${terminalSafe(line)}\n`);
      }
    };
    // Streams replay side by side; a finite replay is put in time order before it is shown.
    const replayed: FeedEvent[] = [];
    await followEvents(
      natsConfig(flags),
      // Without --follow: read what is stored, and stop once the replay has gone quiet.
      {
        ...(since === undefined ? {} : { since }),
        ...(flags.follow === true ? {} : { idleMs: 1_000 }),
        signal: controller.signal,
        // Not an event the fleet can read (a foreign publisher, an older build's shape): said, not hidden.
        onInvalid: (m) =>
          process.stderr.write(`${terminalSafe(`fleet events: skipped ${m.subject} #${m.seq} (${m.stream}): ${m.reason}`)}\n`),
      },
      flags.follow === true ? print : (e) => replayed.push(e),
    );
    replayed.sort((a, b) => a.storedAt.getTime() - b.storedAt.getTime()).forEach(print);
  });
}

/** One line of `--json`: where the event was stored, then the event as read, whichever form it came in. */
const eventJson = (e: FeedEvent) => ({
  stream: e.stream,
  subject: e.subject,
  seq: e.seq,
  stored_at: e.storedAt.toISOString(),
  form: e.event.form,
  type: e.event.type,
  event_id: e.event.eventId,
  occurred_at: e.event.occurredAtMs === undefined ? null : new Date(e.event.occurredAtMs).toISOString(),
  correlation_id: e.event.correlationId ?? null,
  fields: e.event.fields,
});
