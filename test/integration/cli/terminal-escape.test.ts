import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { jetstream } from '@nats-io/jetstream';

import { writeDeadLetter } from '../../../core/adapters/nats/dead-letters.js';
import { encodeEnvelope, makeEnvelope } from '../../../core/adapters/nats/event-envelope.js';
import { EVENT_TYPE } from '../../../core/adapters/nats/event-payloads.js';
import { startTestNatsServer, type TestNatsServer } from '../../support/nats-server.js';
import { runFleet, tempDataDir } from '../../support/fleet-process.js';

// Events and dead letters are whatever a publisher sent. `fleet` prints their text escaped: an OSC
// sequence retitles the window, ESC[2J clears the screen, and neither may act on the reader's terminal.

const HOSTILE = '\x1b]0;pwned\x07\x1b[2J\x1b[31mred\u009b1m';
/** Control characters other than tab and newline, as a terminal would act on them. */
const rawControls = (text: string): string[] =>
  [...text].filter((c) => c !== '\t' && c !== '\n' && (c < ' ' || (c >= '\x7f' && c <= '\x9f')));

describe('fleet prints untrusted text escaped', () => {
  let nats: TestNatsServer;
  let natsArgs: string[];
  const dataDir = tempDataDir();

  beforeAll(async () => {
    nats = await startTestNatsServer();
    natsArgs = ['--nats-url', nats.server.url, '--nats-token', nats.server.token];
    const nc = await nats.connect();
    const js = jetstream(nc);
    await writeDeadLetter(
      js,
      { subject: 'planning.plan.approved', data: new TextEncoder().encode(`{"title":"${HOSTILE}"}`), reason: `title: ${HOSTILE}` },
      1024 * 1024,
    );
    const envelope = makeEnvelope(
      EVENT_TYPE.PLAN_APPROVED,
      { plan_id: 'p1', story_id: 's1', approved_by: 'po', roles: ['DEV'], title: HOSTILE },
      { eventId: 'e1', correlationId: 'p1', occurredAtMs: Date.now() },
    );
    await js.publish(EVENT_TYPE.PLAN_APPROVED, encodeEnvelope(envelope));
  });
  afterAll(() => nats.stop());

  it('dlq list: reason and original bytes', async () => {
    const run = await runFleet(['dlq', 'list', ...natsArgs]);
    expect(run.code).toBe(0);
    expect(rawControls(run.stdout)).toEqual([]);
    expect(run.stdout).toContain('reason: title: \\u001b]0;pwned\\u0007\\u001b[2J');
    expect(run.stdout).toContain('original: {"title":"\\u001b]0;pwned');
  });

  it('dlq list --json: still JSON, the same values', async () => {
    const run = await runFleet(['dlq', 'list', '--json', ...natsArgs]);
    expect(rawControls(run.stdout)).toEqual([]);
    const [letter] = JSON.parse(run.stdout) as Array<{ reason: string; original: string }>;
    expect(letter!.reason).toBe(`title: ${HOSTILE}`);
    expect(letter!.original).toContain(HOSTILE);
  });

  it('events, as lines and as JSON', async () => {
    const lines = await runFleet(['events', '--since', '10m', ...natsArgs]);
    expect(lines.code).toBe(0);
    expect(lines.stdout).toContain('planning.plan.approved');
    expect(rawControls(lines.stdout)).toEqual([]);
    expect(lines.stdout).toContain('\\u001b]0;pwned');

    const json = await runFleet(['events', '--since', '10m', '--json', ...natsArgs]);
    expect(rawControls(json.stdout)).toEqual([]);
    const [event] = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { fields: { title: string } });
    expect(event!.fields.title).toBe(HOSTILE);
  });

  it('error messages that quote input', async () => {
    const run = await runFleet(['result', '--data-dir', dataDir, HOSTILE]);
    expect(run.code).toBe(3);
    expect(rawControls(run.stderr)).toEqual([]);
    expect(run.stderr).toContain('\\u001b]0;pwned');
  });
});
