import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteStores, type SqliteStores } from '../../../core/adapters/sqlite/sqlite-stores.js';
import { openDatabase } from '../../../core/adapters/sqlite/open-database.js';
import { FleetError } from '../../../core/domain/errors.js';
import { councilFixture } from './deliberation-fixture.js';
import { useTempDir } from './temp-dir.js';

const dir = useTempDir();
const opened: SqliteStores[] = [];
const open = (): SqliteStores => {
  const stores = createSqliteStores(join(dir(), 'fleet.db'));
  opened.push(stores);
  return stores;
};
afterEach(() => opened.splice(0).forEach((s) => s.close()));

describe('SQLite council store', () => {
  it('round-trips a council with its agents in order', async () => {
    const { councils } = open();
    const council = councilFixture('c-dev', 'DEV', 1_000, 5);
    await councils.save(council);
    expect(await councils.get('c-dev')).toEqual(council);
    expect(await councils.get('nope')).toBeUndefined();
  });

  it('saving again replaces the council and its agents', async () => {
    const { councils } = open();
    await councils.save(councilFixture('c-dev', 'DEV', 1_000, 3));
    const changed = { ...councilFixture('c-dev', 'DEV', 1_000, 2), rounds: 3, peerReview: false, model: 'other-model' };
    await councils.save(changed);
    expect(await councils.get('c-dev')).toEqual(changed);
    expect(await councils.list()).toHaveLength(1);
  });

  it('lists all councils oldest first, or those of one role', async () => {
    const { councils } = open();
    await councils.save(councilFixture('c-qa', 'QA', 2_000));
    await councils.save(councilFixture('c-dev-2', 'DEV', 3_000));
    await councils.save(councilFixture('c-dev-1', 'DEV', 1_000));
    expect((await councils.list()).map((c) => c.id)).toEqual(['c-dev-1', 'c-qa', 'c-dev-2']);
    expect((await councils.list('DEV')).map((c) => c.id)).toEqual(['c-dev-1', 'c-dev-2']);
    expect(await councils.list('QA')).toEqual([councilFixture('c-qa', 'QA', 2_000)]);
    expect(await councils.list('ARCHITECT')).toEqual([]);
  });

  it('deletes a council and its agents, and says whether there was one', async () => {
    const stores = open();
    await stores.councils.save(councilFixture('c-dev', 'DEV'));
    expect(await stores.councils.delete('c-dev')).toBe(true);
    expect(await stores.councils.delete('c-dev')).toBe(false);
    expect(await stores.councils.get('c-dev')).toBeUndefined();
    stores.close();
    const db = openDatabase(join(dir(), 'fleet.db'));
    expect(db.prepare('SELECT count(*) FROM council_agents').pluck().get()).toBe(0);
    db.close();
  });

  it('keeps councils across close and reopen', async () => {
    const first = open();
    await first.councils.save(councilFixture('c-dev', 'DEV'));
    first.close();
    expect(await open().councils.get('c-dev')).toEqual(councilFixture('c-dev', 'DEV'));
  });

  it('reports a corrupt row naming the council', async () => {
    await open().councils.save(councilFixture('c-dev', 'DEV'));
    const db = openDatabase(join(dir(), 'fleet.db'));
    db.prepare("UPDATE councils SET role = 'JANITOR' WHERE id = 'c-dev'").run();
    db.close();
    const error: unknown = await open()
      .councils.get('c-dev')
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(FleetError);
    expect((error as FleetError).code).toBe('INTERNAL');
    expect((error as FleetError).message).toMatch(/^council c-dev: the stored record is unreadable \(role: /);
  });
});
