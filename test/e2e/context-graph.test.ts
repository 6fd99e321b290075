import { mkdirSync } from 'node:fs';

import type { Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { type Browser, launchBrowser } from '../support/browser.js';
import { planningApi, SCREENSHOTS, screenshotPath, startUiDaemon, type UiDaemon } from './harness.js';

// The Context graph view in a real Chromium against the real daemon: what planning wrote to the graph,
// drawn around a story, deepened, and the prompt a role would get for it. Elements are found only by
// role, label and text.

let fleet: UiDaemon | undefined;
let browser: Browser | undefined;
let page: Page;
let setupError: Error | undefined;

const daemon = (): UiDaemon => {
  if (fleet === undefined) throw new Error('the daemon did not start (see beforeAll)');
  return fleet;
};

describe('the Context graph view in Chromium against the daemon', () => {
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

  it('draws a story’s neighbourhood from the Backlog, deeper on asking, and a role’s prompt naming the story', async () => {
    const planning = planningApi(daemon());
    const project = `Graphs ${Date.now()}`;
    const { project: created } = await planning.createProject({
      name: project,
      description: 'Billing',
      owner: 'po@example.com',
      rigorLevel: 'L1',
    });
    const { epic } = await planning.createEpic({ projectId: created?.projectId ?? '', title: 'Exports', description: 'Getting data out' });
    const title = 'Export the invoice list as CSV';
    const { story } = await planning.createStory({
      epicId: epic?.epicId ?? '',
      title,
      brief: 'As an accountant, I want a CSV.',
      createdBy: 'po@example.com',
    });
    const storyId = story?.storyId ?? '';

    await page.goto(daemon().url);
    await page.goto(`${daemon().origin}/#/backlog/${encodeURIComponent(storyId)}`);
    await page.getByRole('heading', { level: 2, name: title, exact: true }).waitFor({ timeout: 10_000 });
    await page.getByRole('main').getByRole('link', { name: 'Context graph', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Context graph', exact: true }).waitFor({ timeout: 10_000 });

    const graph = page.getByRole('figure', { name: 'Neighbourhood graph' });
    await graph.getByLabel(`Story ${title}`, { exact: true }).waitFor({ timeout: 10_000 });
    await graph.getByLabel(`Epic Exports`, { exact: true }).waitFor();
    await graph.getByLabel(`Project ${project}`, { exact: true }).waitFor();
    await graph.getByLabel(`Epic Exports CONTAINS Story ${title}`, { exact: true }).waitFor();
    expect(await page.getByRole('list', { name: 'Relationships' }).innerText()).toContain(`Project ${project} CONTAINS Epic Exports`);

    await page.getByLabel('Depth', { exact: true }).selectOption('1');
    await graph.getByLabel(`Epic Exports`, { exact: true }).waitFor({ timeout: 10_000 });
    await graph.getByLabel(`Project ${project}`, { exact: true }).waitFor({ state: 'detached', timeout: 10_000 });

    await page.getByLabel('Role', { exact: true }).selectOption('QA');
    await page.getByLabel('Phase', { exact: true }).selectOption('TEST');
    const prompt = page.getByLabel('The QA prompt in TEST', { exact: true });
    await prompt.waitFor({ timeout: 10_000 });
    expect(await prompt.innerText()).toContain(title);
    await page.screenshot({ path: screenshotPath('context-graph'), fullPage: true });
  }, 60_000);
});
