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
  it('round-trips a council with its agents in order', () => {
    const { councils } = open();
    const council = councilFixture('c-dev', 'DEV', 1_000, 5);
    councils.save(council);
    expect(councils.get('c-dev')).toEqual(council);
    expect(councils.get('nope')).toBeUndefined();
  });

  it('saving again replaces the council and its agents', () => {
    const { councils } = open();
    councils.save(councilFixture('c-dev', 'DEV', 1_000, 3));
    const changed = { ...councilFixture('c-dev', 'DEV', 1_000, 2), rounds: 3, peerReview: false, model: 'other-model' };
    councils.save(changed);
    expect(councils.get('c-dev')).toEqual(changed);
    expect(councils.list()).toHaveLength(1);
  });

  it('lists all councils oldest first, or those of one role', () => {
    const { councils } = open();
    councils.save(councilFixture('c-qa', 'QA', 2_000));
    councils.save(councilFixture('c-dev-2', 'DEV', 3_000));
    councils.save(councilFixture('c-dev-1', 'DEV', 1_000));
    expect(councils.list().map((c) => c.id)).toEqual(['c-dev-1', 'c-qa', 'c-dev-2']);
    expect(councils.list('DEV').map((c) => c.id)).toEqual(['c-dev-1', 'c-dev-2']);
    expect(councils.list('QA')).toEqual([councilFixture('c-qa', 'QA', 2_000)]);
    expect(councils.list('ARCHITECT')).toEqual([]);
  });

  it('deletes a council and its agents, and says whether there was one', () => {
    const stores = open();
    stores.councils.save(councilFixture('c-dev', 'DEV'));
    expect(stores.councils.delete('c-dev')).toBe(true);
    expect(stores.councils.delete('c-dev')).toBe(false);
    expect(stores.councils.get('c-dev')).toBeUndefined();
    stores.close();
    const db = openDatabase(join(dir(), 'fleet.db'));
    expect(db.prepare('SELECT count(*) FROM council_agents').pluck().get()).toBe(0);
    db.close();
  });

  it('keeps councils across close and reopen', () => {
    const first = open();
    first.councils.save(councilFixture('c-dev', 'DEV'));
    first.close();
    expect(open().councils.get('c-dev')).toEqual(councilFixture('c-dev', 'DEV'));
  });

  it('reports a corrupt row naming the council', () => {
    open().councils.save(councilFixture('c-dev', 'DEV'));
    const db = openDatabase(join(dir(), 'fleet.db'));
    db.prepare("UPDATE councils SET role = 'JANITOR' WHERE id = 'c-dev'").run();
    db.close();
    const error: unknown = (() => {
      try {
        open().councils.get('c-dev');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(FleetError);
    expect((error as FleetError).code).toBe('INTERNAL');
    expect((error as FleetError).message).toMatch(/^council c-dev: the stored record is unreadable \(role: /);
  });
});
