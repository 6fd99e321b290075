import { describe, expect, it } from 'vitest';

import { planningApi, screenshotPath } from './harness.js';
import { pageOnDaemon } from './page-on-daemon.js';

// The Context graph view in a real Chromium against the real daemon: what planning wrote to the graph,
// drawn around a story, deepened, and the prompt a role would get for it. Elements are found only by
// role, label and text.

const on = pageOnDaemon();

describe('the Context graph view in Chromium against the daemon', () => {
  it('draws a story’s neighbourhood from the Backlog, deeper on asking, and a role’s prompt naming the story; a node clicked becomes the centre', async () => {
    const { page } = on;
    const planning = planningApi(on.daemon);
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

    await page.goto(on.daemon.url);
    await page.goto(`${on.daemon.origin}/#/backlog/${encodeURIComponent(storyId)}`);
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

    await graph.getByLabel('Epic Exports', { exact: true }).click();
    await page.waitForURL((url) => url.hash === `#/graph/Epic/${encodeURIComponent(epic?.epicId ?? '')}`, { timeout: 10_000 });
    const centre = page.getByRole('region', { name: 'Nodes' }).getByRole('link', { name: 'Epic Exports', exact: true });
    await centre.and(page.locator('[aria-current="page"]')).waitFor({ timeout: 10_000 });
  }, 60_000);
});
