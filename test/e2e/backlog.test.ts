import { mkdirSync } from 'node:fs';

import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { type Browser, launchBrowser } from '../support/browser.js';
import { planningApi, SCREENSHOTS, screenshotPath, startUiDaemon, type UiDaemon } from './harness.js';

// The product owner's Backlog in a real Chromium against the real daemon (tiny model, embedded NATS,
// SQLite): projects → epics → stories, the Definition of Ready, moves, the plan's approval and a
// rejected decision deliberated again. Elements are found only by role, label and text.

let fleet: UiDaemon | undefined;
let browser: Browser | undefined;
let page: Page;
let setupError: Error | undefined;

const daemon = (): UiDaemon => {
  if (fleet === undefined) throw new Error('the daemon did not start (see beforeAll)');
  return fleet;
};

const shot = (name: string): Promise<Buffer> => page.screenshot({ path: screenshotPath(name), fullPage: true });
const winnerText = (): Locator => page.getByText(/^Winner: \S+$/);
const button = (name: string): Locator => page.getByRole('button', { name, exact: true });
const stateShown = (state: string): Locator => page.getByText(`State: ${state}`, { exact: true });

const READY_BRIEF = [
  'As an accountant, I want to export the invoice list as a CSV file, so that I can reconcile payments in my spreadsheet.',
  '',
  'Acceptance criteria:',
  '- Given invoices exist When I click Export Then a CSV file with one row per invoice is downloaded',
  '- Given no invoices exist When I click Export Then the file holds only the header row',
].join('\n');

/** Writes a story in the open epic; the page opens it (`#/backlog/<id>`). Resolves with its id. */
async function createStory(title: string, brief: string): Promise<string> {
  const before = page.url();
  await page.getByLabel('Title', { exact: true }).fill(title);
  await page.getByLabel('Brief', { exact: true }).fill(brief);
  await button('Create story').click();
  await page.waitForURL((url) => url.href !== before && /^#\/backlog\/[^/]+$/.test(url.hash), { timeout: 10_000 });
  const storyId = decodeURIComponent(new URL(page.url()).hash.replace(/^#\/backlog\//, ''));
  await page.getByRole('heading', { level: 2, name: title, exact: true }).waitFor({ timeout: 10_000 });
  return storyId;
}

describe('the Backlog view in Chromium against the daemon', () => {
  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    try {
      browser = await launchBrowser({ viewport: { width: 1400, height: 1000 } });
      fleet = await startUiDaemon();
      page = await browser.context.newPage();
    } catch (error) {
      setupError = error instanceof Error ? error : new Error(String(error));
    }
  }, 60_000);

  // A failed beforeAll would skip the tests; each fails instead, saying how to fix it.
  beforeEach(() => {
    if (setupError !== undefined) throw setupError;
  });

  afterAll(async () => {
    await browser?.close();
    await fleet?.stop();
  });

  const project = `Invoicing ${Date.now()}`;
  const epic = 'Exports';
  let storyId = '';

  it('creates a project (rigor L1), an epic and a ready story that scores DoR 100, and moves it to PO_REVIEW', async () => {
    await page.goto(daemon().url);
    await page.getByRole('navigation').getByRole('link', { name: 'Backlog', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Backlog', exact: true }).waitFor();
    await page.getByText(/^No projects yet — create one below/).waitFor({ timeout: 10_000 });

    await page.getByLabel('Name', { exact: true }).fill(project);
    await page.getByLabel('Description', { exact: true }).fill('Billing for small shops');
    await page.getByLabel('Owner', { exact: true }).fill('po@example.com');
    await page.getByLabel('Rigor', { exact: true }).selectOption('L1');
    await button('Create project').click();
    await page.getByRole('heading', { level: 2, name: `Epics in ${project}` }).waitFor({ timeout: 10_000 });
    expect(await button(project).getAttribute('aria-pressed')).toBe('true');
    await page.getByText(`No epics in ${project} yet`, { exact: false }).waitFor();

    await page.getByLabel('Epic title', { exact: true }).fill(epic);
    await page.getByLabel('Epic description', { exact: true }).fill('Getting data out');
    await button('Create epic').click();
    await page.getByRole('heading', { level: 2, name: `Stories in ${epic}` }).waitFor({ timeout: 10_000 });

    storyId = await createStory('Export the invoice list as CSV', READY_BRIEF);
    await page.getByText('DoR 100', { exact: true }).waitFor({ timeout: 10_000 });
    await page.getByText('StoryCoach finds nothing to fix.').waitFor({ timeout: 10_000 });
    await stateShown('DRAFT').waitFor();
    expect(await page.getByRole('list', { name: 'Story states' }).locator('[aria-current="step"]').innerText()).toBe('Draft');
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
    expect(await page.getByLabel('Plan id', { exact: true }).inputValue()).toBe(`${storyId}-plan-v1`);
    await page.getByRole('checkbox', { name: 'DEV', exact: true }).check();
    await button('Approve plan').click();
    decision = `plan-${storyId}-plan-v1-DEV`;
    const link = page.getByRole('link', { name: decision, exact: true }).first();
    await link.waitFor({ timeout: 10_000 });
    await shot('backlog-approved');

    await link.click();
    await page.waitForURL(/#\/deliberations\//);
    await winnerText().waitFor({ timeout: 60_000 });
    await shot('backlog-deliberation');
  });

  it('rejects that decision with a reason: the re-deliberation is linked and ends with a winner', async () => {
    if (decision === '') throw new Error('needs the deliberation of the previous test');
    await page.goBack();
    await page.getByRole('heading', { level: 2, name: 'Export the invoice list as CSV' }).waitFor({ timeout: 10_000 });
    // The story's deliberations list shows it ended, with its winner.
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: decision, exact: true }) });
    await row.getByText('completed', { exact: true }).waitFor({ timeout: 15_000 });

    await page.getByLabel('Deliberation', { exact: true }).selectOption(decision);
    await page.getByLabel('Reason', { exact: true }).fill('The export must also include the VAT number column.');
    await button('Reject decision').click();
    const again = page.getByRole('link', { name: `${decision}.r1`, exact: true }).first();
    await again.waitFor({ timeout: 10_000 });
    await shot('backlog-rejected');

    await again.click();
    await page.waitForURL(/\.r1$/);
    await winnerText().waitFor({ timeout: 60_000 });
    await shot('backlog-redeliberation');
  });

  it('refuses a weak story the move to review, naming its score and the threshold', async () => {
    if (storyId === '') throw new Error('needs the story of the first test');
    await page.goto(`${daemon().origin}/#/backlog/${encodeURIComponent(storyId)}`);
    await page.getByRole('heading', { level: 2, name: `Stories in ${epic}` }).waitFor({ timeout: 10_000 });
    const weak = await createStory('Speed up', 'Make it fast');
    await page.getByRole('list', { name: 'StoryCoach findings' }).waitFor({ timeout: 10_000 });

    await button('Move to PO_REVIEW').click();
    const refusal = page.getByRole('alert').filter({ hasText: /Definition of Ready/ });
    await refusal.waitFor({ timeout: 10_000 });
    const { dorScore } = await planningApi(daemon()).getStory({ storyId: weak });
    expect(dorScore).toBeLessThan(75);
    expect(await refusal.innerText()).toMatch(new RegExp(`scores ${dorScore}\\b.*rigor L1.*needs 75`));
    await stateShown('DRAFT').waitFor();
    await shot('backlog-refused');
  });
});
