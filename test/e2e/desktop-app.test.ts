import type { NatsConnection } from '@nats-io/transport-node';
import type { Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DeliberationStatus } from '../../proto/gen-es/fleet/orchestrator/v1/orchestrator_pb.js';
import { connectDaemonNats, publishMarker, publishPlanApproval, screenshotPath, type UiDaemon, until } from './harness.js';
import { pageOnDaemon } from './page-on-daemon.js';

// The desktop app as a person uses it: the real daemon (tiny model, embedded nats-server, SQLite) serving
// the built renderer to a real Chromium. Elements are found only by role, label and text.

const ROLES = ['DEV', 'QA', 'ARCHITECT', 'DEVOPS', 'DATA'] as const;
const VIEWS = ['Councils', 'Deliberations', 'Events', 'Models', 'System'] as const;
const STOP_WITHIN_MS = 2000;

// What a stack trace looks like on a page: `at fn (file.js:1:2)`, a bare `file.js:10:5`, or an error class name.
const STACK = /\bat \S+ \(|\.(?:js|ts|tsx|mjs):\d+:\d+|\b(?:Connect|Type|Reference)Error\b/;

const on = pageOnDaemon();
let nc: NatsConnection | undefined;

const daemon = (): UiDaemon => on.daemon;

const nav = (name: (typeof VIEWS)[number]): Locator => on.page.getByRole('navigation').getByRole('link', { name, exact: true });

async function openView(name: (typeof VIEWS)[number]): Promise<void> {
  // Any test can run alone (vitest -t): the tab opens the printed address first if nothing has.
  if (!on.page.url().startsWith(daemon().origin)) await on.page.goto(daemon().url);
  await nav(name).click();
  await on.page.getByRole('heading', { level: 1, name, exact: true }).waitFor();
}

const shot = (name: string): Promise<Buffer> => on.page.screenshot({ path: screenshotPath(name), fullPage: true });

const totalDeliberations = async (): Promise<number> => (await daemon().api.desktop.listDeliberations({})).totalCount;

/** The task id of the deliberation the page shows, from its address (`#/deliberations/<id>`). */
async function shownTaskId(): Promise<string> {
  await on.page.waitForURL(/#\/deliberations\/[^/]+$/, { timeout: 10_000 });
  return decodeURIComponent(new URL(on.page.url()).hash.replace(/^#\/deliberations\//, ''));
}

/** Fills the start form on the Councils view, as typed by a person, and presses Start. */
async function startFromForm(fields: { task: string; role: string; agents: string; rounds: string }): Promise<string> {
  await openView('Councils');
  await on.page.getByLabel('Task', { exact: true }).fill(fields.task);
  await on.page.getByLabel('Role', { exact: true }).selectOption(fields.role);
  await on.page.getByLabel('Agents', { exact: true }).fill(fields.agents);
  await on.page.getByLabel('Rounds', { exact: true }).fill(fields.rounds);
  await on.page.getByRole('button', { name: 'Start deliberation' }).click();
  return shownTaskId();
}

const agentIdsOf = async (role: string, count: number): Promise<string[]> => {
  const { councils } = await daemon().api.orchestrator.listCouncils({ includeAgents: true });
  const council = councils.find((c) => c.role === role);
  if (council === undefined) throw new Error(`no ${role} council`);
  return council.agents.slice(0, count).map((a) => a.agentId);
};

const winnerText = (): Locator => on.page.getByText(/^Winner: \S+$/);

describe('the desktop app in Chromium against the daemon', () => {
  beforeAll(async () => {
    nc = await connectDaemonNats(daemon().dataDir);
  });
  afterAll(async () => {
    await nc?.close().catch(() => undefined);
  });

  it('says in words, with no stack trace, that a page opened without the token cannot reach the daemon', async () => {
    // A new tab has its own session storage: no token from another tab reaches it.
    const bare = await on.browser.context.newPage();
    try {
      await bare.goto(`${daemon().origin}/`);
      const alert = bare.getByRole('alert').first();
      await alert.waitFor({ timeout: 10_000 });
      const said = (await alert.innerText()).trim();
      expect(said).toMatch(/token|address .*fleet serve/i);
      expect(said).not.toMatch(STACK);
      expect(await bare.locator('body').innerText()).not.toMatch(STACK);
      await bare.screenshot({ path: screenshotPath('no-token'), fullPage: true });
    } finally {
      await bare.close();
    }
  });

  it('opens at the printed address with every view in the navigation and the councils of all five roles', async () => {
    await on.page.goto(daemon().url);
    for (const name of VIEWS) expect(await nav(name).count(), `navigation entry ${name}`).toBe(1);
    await openView('Councils');
    const { councils } = await daemon().api.orchestrator.listCouncils({ includeAgents: true });
    expect(new Set(councils.map((c) => c.role))).toEqual(new Set(ROLES));
    for (const role of ROLES) await on.page.getByRole('heading', { name: role, exact: true }).waitFor({ timeout: 10_000 });
    for (const council of councils) await on.page.getByText(council.councilId, { exact: true }).waitFor({ timeout: 10_000 });
    // The token is kept for the tab and taken out of the address bar.
    expect(on.page.url()).not.toContain(daemon().token);
    await shot('councils');
  });

  let live: { taskId: string; task: string; winner: string } | undefined;

  it("starts a deliberation from the form, every agent's column grows while it runs, and it ends with scores and the winner", async () => {
    const task = `Add rate limiting to the login endpoint (e2e ${Date.now()})`;
    const agents = await agentIdsOf('DEV', 3);
    const before = await totalDeliberations();
    const taskId = await startFromForm({ task, role: 'DEV', agents: '3', rounds: '2' });

    // Sampled until the result shows; growth counted only while no winner is on the on.page.
    const samples = new Map<string, number[]>(agents.map((a) => [a, []]));
    let photographed = false;
    const end = Date.now() + 60_000;
    while ((await winnerText().count()) === 0) {
      if (Date.now() > end)
        throw new Error(`no winner shown within 60 s; status: ${await on.page.getByRole('status').first().innerText()}`);
      const lengths = await Promise.all(
        agents.map(async (a) => {
          const column = on.page.getByRole('region', { name: a, exact: true });
          return (await column.count()) === 0 ? 0 : ((await column.textContent()) ?? '').length;
        }),
      );
      if ((await winnerText().count()) > 0) break;
      agents.forEach((a, i) => samples.get(a)!.push(lengths[i]!));
      if (!photographed && lengths.every((n) => n > 0)) {
        photographed = true;
        await shot('deliberation-live');
      }
    }
    for (const a of agents) {
      const seen = samples.get(a)!;
      const grew = seen.some((n, i) => i > 0 && n > seen[i - 1]!);
      expect(grew, `${a}'s column grew between two samples before the result (lengths: ${seen.join(' ')})`).toBe(true);
    }

    const stored = await daemon().api.orchestrator.getDeliberationResult({ taskId });
    expect(stored.status).toBe(DeliberationStatus.COMPLETED);
    expect(await winnerText().innerText()).toBe(`Winner: ${stored.winnerId}`);
    expect(agents).toContain(stored.winnerId);
    await on.page.getByRole('heading', { name: 'Scores', exact: true }).waitFor();
    for (const a of agents) expect(await on.page.getByRole('article', { name: `Scores of ${a}` }).count(), `score card of ${a}`).toBe(1);
    expect(await on.page.getByRole('status').first().innerText()).toBe('completed');
    expect(await totalDeliberations()).toBe(before + 1);
    await shot('deliberation-result');
    live = { taskId, task, winner: stored.winnerId };
  });

  it('lists that deliberation in the history after a reload, and opening it replays it', async () => {
    if (live === undefined) throw new Error('needs the deliberation started from the form (previous test)');
    await openView('Deliberations');
    await on.page.reload();
    await on.page.getByRole('heading', { level: 1, name: 'Deliberations' }).waitFor();
    const entry = on.page.getByRole('link', { name: live.task, exact: true });
    await entry.waitFor({ timeout: 10_000 });
    await shot('deliberations');
    await entry.click();
    expect(await shownTaskId()).toBe(live.taskId);
    await winnerText().waitFor({ timeout: 10_000 });
    expect(await winnerText().innerText()).toBe(`Winner: ${live.winner}`);
    expect(await on.page.getByRole('status').first().innerText()).toBe('completed');
    await shot('deliberation-replay');
  });

  it(`stops a long deliberation: Stop ends it as cancelled within ${STOP_WITHIN_MS} ms, and it is stored CANCELLED`, async () => {
    // 8 agents × 5 review rounds runs ~20 s on the tiny model here: long enough to be stopped mid-way.
    const taskId = await startFromForm({ task: `Stop me (e2e ${Date.now()})`, role: 'QA', agents: '8', rounds: '5' });
    try {
      const status = on.page.getByRole('status').first();
      try {
        await on.page
          .getByRole('status')
          .filter({ hasText: /^running: / })
          .waitFor({ timeout: 20_000 });
      } catch (error) {
        throw new Error(`the deliberation never showed as running; status: ${await status.innerText()}`, { cause: error });
      }
      await on.page
        .getByRole('region', { name: /^qa-\d+$/ })
        .first()
        .waitFor({ timeout: 10_000 });

      const clicked = Date.now();
      await on.page.getByRole('button', { name: 'Stop', exact: true }).click();
      await on.page
        .getByRole('status')
        .filter({ hasText: /^cancelled$/ })
        .waitFor({ timeout: 10_000 });
      const tookMs = Date.now() - clicked;
      console.log(`stop_click_to_cancelled_ms: ${tookMs}`);
      expect(tookMs, 'click on Stop → "cancelled" shown').toBeLessThanOrEqual(STOP_WITHIN_MS);

      const stored = await until(
        async () => {
          const r = await daemon().api.orchestrator.getDeliberationResult({ taskId });
          return r.status === DeliberationStatus.IN_PROGRESS || r.status === DeliberationStatus.PENDING ? undefined : r;
        },
        5_000,
        'the stored record to end',
      );
      expect(DeliberationStatus[stored.status]).toBe('CANCELLED');
      expect(await on.page.getByRole('button', { name: 'Stop', exact: true }).count(), 'Stop is gone once it ended').toBe(0);
    } finally {
      // A failure above must not leave 8 agents generating under the tests that follow.
      await daemon()
        .api.desktop.cancelDeliberation({ taskId })
        .catch(() => undefined);
    }
  });

  it('shows a deliberation live in the Events view when a plan approval is published on NATS, and opens it from there', async () => {
    await openView('Events');
    const feed = on.page.getByRole('list', { name: 'Event feed' });
    // The view shows only events from the moment its stream is attached; a marker says when that is.
    let markers = 0;
    await until(
      async () => {
        await publishMarker(nc!, `e2e-feed-ready-${++markers}`);
        return (await on.page.getByRole('link', { name: /^deliberation e2e-feed-ready-/ }).count()) > 0 ? true : undefined;
      },
      15_000,
      'the Events view to show a marker event',
    );

    const planId = `e2e${Date.now()}`;
    const taskId = `plan-${planId}-DEV`;
    await publishPlanApproval(nc!, planId, ['DEV']);
    await feed
      .getByRole('listitem')
      .filter({ hasText: 'planning.plan.approved' })
      .filter({ hasText: planId })
      .first()
      .waitFor({ timeout: 15_000 });
    const link = on.page.getByRole('link', { name: `deliberation ${taskId}`, exact: true }).first();
    await link.waitFor({ timeout: 20_000 });
    await shot('events');

    await link.click();
    expect(await shownTaskId()).toBe(taskId);
    await winnerText().waitFor({ timeout: 60_000 });
    const stored = await daemon().api.orchestrator.getDeliberationResult({ taskId });
    expect(await winnerText().innerText()).toBe(`Winner: ${stored.winnerId}`);
  });

  it('refuses an empty Task next to the field, announced, and starts nothing', async () => {
    await openView('Councils');
    const before = await totalDeliberations();
    const runningBefore = (await daemon().api.desktop.getSystemInfo({})).runningDeliberations;
    const task = on.page.getByLabel('Task', { exact: true });
    await task.fill('');
    await on.page.getByRole('button', { name: 'Start deliberation' }).click();

    const alert = on.page.getByRole('alert').filter({ hasText: /\bTask\b/ });
    await alert.waitFor({ timeout: 5_000 });
    // Next to the field: the field itself points at the announced message.
    const alertId = await alert.getAttribute('id');
    const describedBy = ((await task.getAttribute('aria-describedby')) ?? '').split(/\s+/);
    expect(alertId, 'the error has an id the field can point at').not.toBeNull();
    expect(describedBy, "the Task field's aria-describedby names the error").toContain(alertId);
    expect(await task.getAttribute('aria-invalid')).toBe('true');
    await shot('councils-empty-task');

    // Nothing starts: the page stays on Councils and the daemon stores nothing new.
    await new Promise((r) => setTimeout(r, 1000));
    expect(new URL(on.page.url()).hash).toBe('#/councils');
    expect(await totalDeliberations()).toBe(before);
    expect((await daemon().api.desktop.getSystemInfo({})).runningDeliberations).toBeLessThanOrEqual(runningBefore);
  });

  it('shows the Models and System views', async () => {
    await openView('Models');
    await on.page.getByText('tiny').first().waitFor({ timeout: 10_000 });
    await shot('models');
    await openView('System');
    await on.page.getByText('SERVING').first().waitFor({ timeout: 10_000 });
    await shot('system');
  });
});
