import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { create } from '@bufbuild/protobuf';
import { ConnectError } from '@connectrpc/connect';
import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeliberationSort } from '../../../proto/gen-es/fleet/desktop/v1/desktop_pb.js';
import { DeliberateRequestSchema, DeliberationStatus, UpdateType } from '../../../proto/gen-es/fleet/orchestrator/v1/orchestrator_pb.js';
import { Code, codeOf, uiClients } from '../../support/connect-client.js';
import { daemonNatsEndpoint, type DaemonProcess, startDaemon, tempDataDir } from '../../support/fleet-process.js';

// The desktop app's API as a browser reaches it: Connect over HTTP on the daemon's UI port, the launch
// token, each call answered by the daemon's gRPC server; the real daemon on the tiny model.

let dataDir: string;
let daemon: DaemonProcess;
let base: string;
let token: string;
let nc: NatsConnection;

const clients = (bearer: string | undefined) => uiClients(base, bearer);

beforeAll(async () => {
  dataDir = tempDataDir();
  daemon = await startDaemon(dataDir, ['--ui-port', '0']);
  const line = /^ui: (\S+)$/m.exec(daemon.output());
  expect(line, daemon.output()).not.toBeNull();
  const url = new URL(line![1]!);
  base = url.origin;
  token = url.searchParams.get('token')!;
  // The owner file carries the same address, for `fleet ui` to find.
  expect((JSON.parse(readFileSync(join(dataDir, 'owner.json'), 'utf8')) as { uiUrl: string }).uiUrl).toBe(line![1]);
  const endpoint = daemonNatsEndpoint(dataDir);
  nc = await connect({ servers: endpoint.url, token: endpoint.token });
});

afterAll(async () => {
  await nc?.close();
  await daemon?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the UI endpoint', () => {
  it('refuses API calls without the launch token, and with a wrong one', async () => {
    expect(await codeOf(clients(undefined).orchestrator.listCouncils({}))).toMatchObject({ code: Code.Unauthenticated });
    expect(await codeOf(clients(`${token}x`).orchestrator.listCouncils({}))).toMatchObject({ code: Code.Unauthenticated });
    const { councils } = await clients(token).orchestrator.listCouncils({});
    expect(councils.map((c) => c.role).sort()).toEqual(['ARCHITECT', 'DATA', 'DEV', 'DEVOPS', 'QA']);
  });

  it('answers only its own origin and the desktop shell, and only under its own host name', async () => {
    const call = (headers: Record<string, string>, method = 'POST') =>
      fetch(`${base}/fleet.orchestrator.v1.OrchestratorService/ListCouncils`, {
        method,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
        ...(method === 'POST' ? { body: '{}' } : {}),
      });
    expect((await call({ origin: 'http://evil.example' })).status).toBe(403);
    expect((await call({ origin: base })).status).toBe(200);
    const shell = await call({ origin: 'app://fleet' });
    expect(shell.status).toBe(200);
    expect(shell.headers.get('access-control-allow-origin')).toBe('app://fleet');
    const preflight = await call({ origin: 'app://fleet', 'access-control-request-method': 'POST' }, 'OPTIONS');
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');
    // A DNS name rebound to 127.0.0.1 is another site: refused even without an Origin header.
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const r = request(`${base}/`, { headers: { host: 'attacker.example' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      r.once('error', reject);
      r.end();
    });
    expect(status).toBe(403);
  });

  it('serves the built page with a strict content policy, and index.html for the app routes', async () => {
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    const route = await fetch(`${base}/deliberations/some-task`);
    expect(await route.text()).toContain('<div id="root">');
    const outside = await fetch(`${base}/..%2f..%2fpackage.json`);
    expect(await outside.text()).not.toContain('"name": "swe-fleet"');
  });
});

describe('DesktopService through the UI endpoint', () => {
  it('starts a deliberation that outlives the call, streams each agent’s text as it is written, then the winner', async () => {
    const { orchestrator, desktop } = clients(token);
    const request = create(DeliberateRequestSchema, { taskDescription: 'Add retries to the artifact uploader', role: 'DEV', numAgents: 2 });
    const { taskId, attempt } = await desktop.startDeliberation({ request });
    expect(attempt).toBe(1);
    const text = new Map<string, string>();
    const deltas = new Map<string, number>();
    let finished;
    for await (const update of orchestrator.streamDeliberation({ taskId })) {
      if (update.type === UpdateType.AGENT && update.text !== '') {
        const key = `${update.currentAgent}/${update.phase}`;
        text.set(key, (text.get(key) ?? '') + update.text);
        deltas.set(key, (deltas.get(key) ?? 0) + 1);
      }
      if (update.type === UpdateType.FINISHED) finished = update;
    }
    expect(finished?.result?.status).toBe(DeliberationStatus.COMPLETED);
    expect(finished?.result?.winnerId).toMatch(/^dev-\d$/);
    const proposals = [...text.entries()].filter(([key]) => key.endsWith('/propose'));
    expect(proposals.map(([key]) => key.split('/')[0]).sort()).toEqual(['dev-1', 'dev-2']);
    for (const [, written] of proposals) expect(written.length).toBeGreaterThan(20);
    // Streamed in pieces, not in one block at the end.
    expect(Math.max(...[...deltas.values()])).toBeGreaterThan(1);
  });

  it('stops a running deliberation at once: it ends CANCELLED, and a second stop changes nothing', async () => {
    const { orchestrator, desktop } = clients(token);
    const request = create(DeliberateRequestSchema, {
      taskDescription: 'Design the storage layer of the event archive',
      role: 'QA',
      rounds: 5,
      numAgents: 8,
      constraints: { maxTokens: 4000 },
    });
    const { taskId } = await desktop.startDeliberation({ request });
    const stream = orchestrator.streamDeliberation({ taskId })[Symbol.asyncIterator]();
    await stream.next();
    const asked = Date.now();
    expect(await desktop.cancelDeliberation({ taskId })).toMatchObject({ cancelled: true, status: DeliberationStatus.CANCELLED });
    let last;
    for (let next = await stream.next(); next.done !== true; next = await stream.next()) last = next.value;
    expect(Date.now() - asked).toBeLessThan(2_000);
    expect(last?.result?.status).toBe(DeliberationStatus.CANCELLED);
    expect((await orchestrator.getDeliberationResult({ taskId })).status).toBe(DeliberationStatus.CANCELLED);
    expect(await desktop.cancelDeliberation({ taskId })).toMatchObject({ cancelled: false, status: DeliberationStatus.CANCELLED });
    expect(await codeOf(desktop.cancelDeliberation({ taskId: 'no-such-task' }))).toMatchObject({ code: Code.NotFound });
  });

  it('lists the history searchable by text, filtered by role and status, sorted, with the total', async () => {
    const { desktop } = clients(token);
    const all = await desktop.listDeliberations({});
    expect(all.totalCount).toBeGreaterThanOrEqual(2);
    const dev = await desktop.listDeliberations({ role: 'DEV' });
    expect(dev.deliberations.every((d) => d.role === 'DEV')).toBe(true);
    const found = await desktop.listDeliberations({ query: 'ARTIFACT uploader' });
    expect(found.deliberations.map((d) => d.description)).toContain('Add retries to the artifact uploader');
    expect(found.deliberations.every((d) => d.description.toLowerCase().includes('artifact'))).toBe(true);
    const cancelled = await desktop.listDeliberations({ statuses: [DeliberationStatus.CANCELLED] });
    expect(cancelled.deliberations.map((d) => d.role)).toEqual(['QA']);
    const oldest = await desktop.listDeliberations({ sort: DeliberationSort.OLDEST, limit: 1 });
    expect(oldest.deliberations[0]?.description).toBe('Add retries to the artifact uploader');
    expect(oldest.totalCount).toBe(all.totalCount);
    expect(await codeOf(desktop.listDeliberations({ limit: 501 }))).toMatchObject({
      code: Code.InvalidArgument,
      message: expect.stringContaining('limit'),
    });
    expect(await codeOf(desktop.listDeliberations({ role: 'CHEF' }))).toMatchObject({
      code: Code.InvalidArgument,
      message: expect.stringContaining('role'),
    });
  });

  it('refuses a start without a task, naming the field, and starts nothing', async () => {
    const { desktop } = clients(token);
    const before = (await desktop.listDeliberations({})).totalCount;
    const refused = await codeOf(desktop.startDeliberation({ request: create(DeliberateRequestSchema, { role: 'DEV' }) }));
    expect(refused.code).toBe(Code.InvalidArgument);
    expect(refused.message).toContain('task_description');
    expect((await desktop.listDeliberations({})).totalCount).toBe(before);
  });

  it('follows the event streams by subject pattern, and refuses a malformed pattern', async () => {
    const { desktop } = clients(token);
    const controller = new AbortController();
    const seen: { subject: string; type: string; storyId: string }[] = [];
    const following = (async () => {
      for await (const e of desktop.watchEvents({ subjects: ['planning.>'] }, { signal: controller.signal })) {
        seen.push({ subject: e.subject, type: e.eventType, storyId: e.storyId });
        if (seen.length === 1) controller.abort();
      }
    })().catch((e: unknown) => {
      if (ConnectError.from(e).code !== Code.Canceled) throw e;
    });
    // The stream is open before the event is published: the feed delivers only what comes after it.
    await new Promise((r) => setTimeout(r, 500));
    const flat = { event_type: 'planning.story.created', story_id: 'story-ui-1', timestamp: Math.floor(Date.now() / 1000) };
    await jetstream(nc)
      .publish('orchestration.deliberation.started.unrelated', new TextEncoder().encode('{}'))
      .catch(() => undefined);
    await jetstream(nc).publish('planning.story.created', new TextEncoder().encode(JSON.stringify(flat)));
    await following;
    expect(seen[0]).toMatchObject({ subject: 'planning.story.created', storyId: 'story-ui-1' });
    const bad = await codeOf(
      (async () => {
        for await (const _ of desktop.watchEvents({ subjects: ['planning. >'] })) break;
      })(),
    );
    expect(bad).toMatchObject({ code: Code.InvalidArgument, message: expect.stringContaining('subjects[0]') });
  });

  it('shows dead letters with their reason and bytes, and republishes a correction', async () => {
    const { desktop } = clients(token);
    const broken = JSON.stringify({ event_type: 'planning.plan.approved', story_id: 's-dlq', roles: ['DEV'] });
    await jetstream(nc).publish('planning.plan.approved', new TextEncoder().encode(broken));
    let letter;
    for (let i = 0; i < 50 && letter === undefined; i++) {
      letter = (await desktop.listDeadLetters({})).deadLetters.find((l) => new TextDecoder().decode(l.original) === broken);
      if (letter === undefined) await new Promise((r) => setTimeout(r, 200));
    }
    if (letter === undefined) throw new Error('the broken event was not dead-lettered');
    expect(letter.reason).toContain('plan_id');
    expect(letter.subject).toBe('planning.plan.approved');
    const stillBroken = await codeOf(desktop.republishDeadLetter({ seq: letter.seq, corrected: new TextEncoder().encode(broken) }));
    expect(stillBroken).toMatchObject({ code: Code.InvalidArgument, message: expect.stringContaining('plan_id') });
    const corrected = JSON.stringify({
      ...JSON.parse(broken),
      plan_id: 'plan-dlq',
      approved_by: 'po@example.com',
      timestamp: Math.floor(Date.now() / 1000),
    });
    const republished = await desktop.republishDeadLetter({ seq: letter.seq, corrected: new TextEncoder().encode(corrected) });
    expect(republished).toMatchObject({ subject: 'planning.plan.approved', duplicate: false });
  });

  it('describes the machine: model, NATS, workers per role, the process', async () => {
    const info = await clients(token).desktop.getSystemInfo({});
    expect(info.health).toBe('SERVING');
    expect(info.model).toMatchObject({ name: 'tiny', backend: 'llama.cpp', gpu: '' });
    expect(info.model?.threads).toBeGreaterThan(0);
    expect(info.model?.contextTokens).toBeGreaterThan(0);
    expect(info.nats).toMatchObject({ mode: 'embedded', connected: true });
    expect(info.workers.map((w) => w.role).sort()).toEqual(['ARCHITECT', 'DATA', 'DEV', 'DEVOPS', 'QA']);
    expect(info.workers.every((w) => w.workers >= 1)).toBe(true);
    expect(Number(info.process?.rssBytes)).toBeGreaterThan(10 * 1024 ** 2);
    expect(info.uptimeSeconds).toBeGreaterThanOrEqual(0);
  });
});
