import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteStores, type SqliteStores } from '../../../core/adapters/sqlite/index.js';
import type { Epic, PlanTask, Project, Story } from '../../../core/domain/planning.js';
import { useTempDir } from './temp-dir.js';

const project: Project = {
  id: 'p-1',
  name: "Payments — “ünïcode” & quotes '",
  description: 'Move card payments off the monolith',
  status: 'ACTIVE',
  owner: 'po@example.com',
  rigor: 'L2',
  createdAtMs: 1_000,
  updatedAtMs: 1_000,
};
const epic = (id: string, createdAtMs: number, projectId = 'p-1'): Epic => ({
  id,
  projectId,
  title: `Epic ${id}`,
  description: '',
  status: 'ACTIVE',
  createdAtMs,
  updatedAtMs: createdAtMs,
});
const story: Story = {
  id: 's-1',
  epicId: 'e-1',
  title: 'Refund a card payment',
  brief: 'As a clerk I want to refund so that customers get their money back.',
  state: 'DRAFT',
  dorScore: 80,
  createdBy: 'po@example.com',
  createdAtMs: 2_000,
  updatedAtMs: 2_000,
};
const task = (id: string, requestId?: string): PlanTask => ({
  id,
  storyId: 's-1',
  title: `Task ${id}`,
  description: '',
  type: 'DEV',
  status: 'TODO',
  assignedTo: '',
  estimatedHours: 3,
  priority: 1,
  ...(requestId === undefined ? {} : { requestId }),
  createdAtMs: 3_000,
  updatedAtMs: 3_000,
});

const tempDir = useTempDir();
let opened: SqliteStores[] = [];
const open = (file: string): SqliteStores => {
  const stores = createSqliteStores(file);
  opened.push(stores);
  return stores;
};
afterEach(() => {
  opened.forEach((s) => s.close());
  opened = [];
});

describe('the SQLite planning store', () => {
  it('keeps each record whole and reads it back, across a reopen', async () => {
    const file = join(tempDir(), 'fleet.db');
    const { planning } = open(file);
    await planning.saveProject(project);
    await planning.saveEpic(epic('e-1', 1_500));
    await planning.saveStory(story);
    await planning.saveTask(task('t-1', 'req-1'));
    opened.forEach((s) => s.close());
    const again = open(file).planning;
    expect(await again.project('p-1')).toEqual(project);
    expect(await again.epic('e-1')).toEqual(epic('e-1', 1_500));
    expect(await again.story('s-1')).toEqual(story);
    expect(await again.task('t-1')).toEqual(task('t-1', 'req-1'));
    expect(await again.taskByRequest('req-1')).toEqual(task('t-1', 'req-1'));
    expect(await again.project('nope')).toBeUndefined();
  });

  it('lists newest first with filters, a page and the total', async () => {
    const { planning } = open(join(tempDir(), 'fleet.db'));
    for (let i = 0; i < 5; i++) await planning.saveEpic(epic(`e-${i}`, 1_000 + i, i < 3 ? 'p-1' : 'p-2'));
    const page = await planning.epics({ projectId: 'p-1', limit: 2, offset: 1 });
    expect(page.items.map((e) => e.id)).toEqual(['e-1', 'e-0']);
    expect(page.total).toBe(3);
    expect((await planning.epics({ limit: 10, offset: 0 })).total).toBe(5);
    await planning.saveStory(story);
    await planning.saveStory({ ...story, id: 's-2', state: 'PO_REVIEW' });
    expect((await planning.stories({ state: 'PO_REVIEW', limit: 10, offset: 0 })).items.map((s) => s.id)).toEqual(['s-2']);
  });

  it('replaces a record saved again, deletes, and refuses a request id held by another task', async () => {
    const { planning } = open(join(tempDir(), 'fleet.db'));
    await planning.saveStory(story);
    await planning.saveStory({ ...story, state: 'PO_REVIEW', updatedAtMs: 5_000 });
    expect((await planning.story('s-1'))?.state).toBe('PO_REVIEW');
    expect((await planning.stories({ limit: 10, offset: 0 })).total).toBe(1);
    expect(await planning.deleteStory('s-1')).toBe(true);
    expect(await planning.deleteStory('s-1')).toBe(false);
    await planning.saveTask(task('t-1', 'req-1'));
    await expect(planning.saveTask(task('t-2', 'req-1'))).rejects.toMatchObject({ code: 'ALREADY_EXISTS', field: 'request_id' });
  });

  it('keeps approved plans, and each dependency once in the order saved, across a reopen', async () => {
    const file = join(tempDir(), 'fleet.db');
    const first = open(file).planning;
    const plan = { id: 'plan-1', storyId: 's-1', roles: ['DEV', 'QA'] as const, approvedBy: 'po', createdAtMs: 3_000 };
    await first.savePlan({ ...plan, roles: [...plan.roles] });
    await first.saveDependencies('s-1', [{ from: 't-2', to: 't-1', reason: 'tests the endpoint' }], 3_000);
    await first.saveDependencies(
      's-1',
      [
        { from: 't-2', to: 't-1', reason: 'said again' },
        { from: 't-3', to: 't-2', reason: '' },
      ],
      4_000,
    );
    const { planning } = open(file);
    expect(await planning.plan('plan-1')).toEqual(plan);
    expect(await planning.plan('plan-2')).toBeUndefined();
    expect(await planning.dependencies('s-1')).toEqual([
      { from: 't-2', to: 't-1', reason: 'tests the endpoint' },
      { from: 't-3', to: 't-2', reason: '' },
    ]);
    expect(await planning.dependencies('s-2')).toEqual([]);
  });

  it('says which row it cannot read', async () => {
    const file = join(tempDir(), 'fleet.db');
    const { planning } = open(file);
    await planning.saveProject(project);
    const raw = new Database(file);
    raw.prepare("UPDATE projects SET body = json_set(body, '$.rigor', 'L9') WHERE id = 'p-1'").run();
    raw.close();
    await expect(planning.project('p-1')).rejects.toMatchObject({ code: 'INTERNAL', message: expect.stringContaining('projects row p-1') });
  });
});
