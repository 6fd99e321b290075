import type { Locator } from 'playwright-core';
import { describe, expect, it } from 'vitest';

import { planningApi, screenshotPath } from './harness.js';
import { pageOnDaemon } from './page-on-daemon.js';

// The product owner's Backlog in a real Chromium against the real daemon (tiny model, embedded NATS,
// SQLite): projects → epics → stories, the Definition of Ready, moves, the plan's approval and a
// rejected decision deliberated again. Elements are found only by role, label and text.

const on = pageOnDaemon();
const daemon = () => on.daemon;

const shot = (name: string): Promise<Buffer> => on.page.screenshot({ path: screenshotPath(name), fullPage: true });
const winnerText = (): Locator => on.page.getByText(/^Winner: \S+$/);
const button = (name: string): Locator => on.page.getByRole('button', { name, exact: true });
const stateShown = (state: string): Locator => on.page.getByText(`State: ${state}`, { exact: true });

const READY_BRIEF = [
  'As an accountant, I want to export the invoice list as a CSV file, so that I can reconcile payments in my spreadsheet.',
  '',
  'Acceptance criteria:',
  '- Given invoices exist When I click Export Then a CSV file with one row per invoice is downloaded',
  '- Given no invoices exist When I click Export Then the file holds only the header row',
].join('\n');

/** Writes a story in the open epic; the page opens it (`#/backlog/<id>`). Resolves with its id. */
async function createStory(title: string, brief: string): Promise<string> {
  const before = on.page.url();
  await on.page.getByLabel('Title', { exact: true }).fill(title);
  await on.page.getByLabel('Brief', { exact: true }).fill(brief);
  await button('Create story').click();
  await on.page.waitForURL((url) => url.href !== before && /^#\/backlog\/[^/]+$/.test(url.hash), { timeout: 10_000 });
  const storyId = decodeURIComponent(new URL(on.page.url()).hash.replace(/^#\/backlog\//, ''));
  await on.page.getByRole('heading', { level: 2, name: title, exact: true }).waitFor({ timeout: 10_000 });
  return storyId;
}

describe('the Backlog view in Chromium against the daemon', () => {
  const project = `Invoicing ${Date.now()}`;
  const epic = 'Exports';
  let storyId = '';

  it('creates a project (rigor L1), an epic and a ready story that scores DoR 100, and moves it to PO_REVIEW', async () => {
    await on.page.goto(daemon().url);
    await on.page.getByRole('navigation').getByRole('link', { name: 'Backlog', exact: true }).click();
    await on.page.getByRole('heading', { level: 1, name: 'Backlog', exact: true }).waitFor();
    await on.page.getByText(/^No projects yet — create one below/).waitFor({ timeout: 10_000 });

    await on.page.getByLabel('Name', { exact: true }).fill(project);
    await on.page.getByLabel('Description', { exact: true }).fill('Billing for small shops');
    await on.page.getByLabel('Owner', { exact: true }).fill('po@example.com');
    await on.page.getByLabel('Rigor', { exact: true }).selectOption('L1');
    await button('Create project').click();
    await on.page.getByRole('heading', { level: 2, name: `Epics in ${project}` }).waitFor({ timeout: 10_000 });
    expect(await button(project).getAttribute('aria-pressed')).toBe('true');
    await on.page.getByText(`No epics in ${project} yet`, { exact: false }).waitFor();

    await on.page.getByLabel('Epic title', { exact: true }).fill(epic);
    await on.page.getByLabel('Epic description', { exact: true }).fill('Getting data out');
    await button('Create epic').click();
    await on.page.getByRole('heading', { level: 2, name: `Stories in ${epic}` }).waitFor({ timeout: 10_000 });

    storyId = await createStory('Export the invoice list as CSV', READY_BRIEF);
    await on.page.getByText('DoR 100', { exact: true }).waitFor({ timeout: 10_000 });
    await on.page.getByText('StoryCoach finds nothing to fix.').waitFor({ timeout: 10_000 });
    await stateShown('DRAFT').waitFor();
    expect(await on.page.getByRole('list', { name: 'Story states' }).locator('[aria-current="step"]').innerText()).toBe('Draft');
    await shot('backlog-story');

    await button('Move to PO_REVIEW').click();
    await stateShown('PO_REVIEW').waitFor({ timeout: 10_000 });
    const stored = await planningApi(daemon()).getStory({ storyId });
    expect(stored.state).toBe('PO_REVIEW');
    expect(stored.dorScore).toBe(100);
  });

  let decision = '';

  it('approves the plan: the deliberation it started is linked and, opened, shows its winner', async () => {
    if (storyId === '') throw new Error('needs the story of the previous test');
    expect(await on.page.getByLabel('Plan id', { exact: true }).inputValue()).toBe(`${storyId}-plan-v1`);
    await on.page.getByRole('checkbox', { name: 'DEV', exact: true }).check();
    await button('Approve plan').click();
    decision = `plan-${storyId}-plan-v1-DEV`;
    const link = on.page.getByRole('link', { name: decision, exact: true }).first();
    await link.waitFor({ timeout: 10_000 });
    await shot('backlog-approved');

    await link.click();
    await on.page.waitForURL(/#\/deliberations\//);
    await winnerText().waitFor({ timeout: 60_000 });
    await shot('backlog-deliberation');
  });

  it('rejects that decision with a reason: the re-deliberation is linked and ends with a winner', async () => {
    if (decision === '') throw new Error('needs the deliberation of the previous test');
    await on.page.goBack();
    await on.page.getByRole('heading', { level: 2, name: 'Export the invoice list as CSV' }).waitFor({ timeout: 10_000 });
    // The story's deliberations list shows it ended, with its winner.
    const row = on.page.getByRole('row').filter({ has: on.page.getByRole('link', { name: decision, exact: true }) });
    await row.getByText('completed', { exact: true }).waitFor({ timeout: 15_000 });

    await on.page.getByLabel('Deliberation', { exact: true }).selectOption(decision);
    await on.page.getByLabel('Reason', { exact: true }).fill('The export must also include the VAT number column.');
    await button('Reject decision').click();
    const again = on.page.getByRole('link', { name: `${decision}.r1`, exact: true }).first();
    await again.waitFor({ timeout: 10_000 });
    await shot('backlog-rejected');

    await again.click();
    await on.page.waitForURL(/\.r1$/);
    await winnerText().waitFor({ timeout: 60_000 });
    await shot('backlog-redeliberation');
  });

  it('refuses a weak story the move to review, naming its score and the threshold', async () => {
    if (storyId === '') throw new Error('needs the story of the first test');
    await on.page.goto(`${daemon().origin}/#/backlog/${encodeURIComponent(storyId)}`);
    await on.page.getByRole('heading', { level: 2, name: `Stories in ${epic}` }).waitFor({ timeout: 10_000 });
    const weak = await createStory('Speed up', 'Make it fast');
    await on.page.getByRole('list', { name: 'StoryCoach findings' }).waitFor({ timeout: 10_000 });

    await button('Move to PO_REVIEW').click();
    const refusal = on.page.getByRole('alert').filter({ hasText: /Definition of Ready/ });
    await refusal.waitFor({ timeout: 10_000 });
    const { dorScore } = await planningApi(daemon()).getStory({ storyId: weak });
    expect(dorScore).toBeLessThan(75);
    expect(await refusal.innerText()).toMatch(new RegExp(`scores ${dorScore}\\b.*rigor L1.*needs 75`));
    await stateShown('DRAFT').waitFor();
    await shot('backlog-refused');
  });
});
