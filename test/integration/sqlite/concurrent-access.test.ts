import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../core/adapters/sqlite/open-database.js';
import { createSqliteStores, type SqliteStores } from '../../../core/adapters/sqlite/sqlite-stores.js';
import { completedDeliberation, inProgressDeliberation, turnFixture } from './deliberation-fixture.js';
import { useTempDir } from './temp-dir.js';

const dir = useTempDir();
const dbFile = (): string => join(dir(), 'fleet.db');
const opened: SqliteStores[] = [];
const open = (): SqliteStores => {
  const stores = createSqliteStores(dbFile());
  opened.push(stores);
  return stores;
};
afterEach(() => opened.splice(0).forEach((s) => s.close()));

const writerScript = fileURLToPath(new URL('./writer-process.ts', import.meta.url));

/** Runs writer-process.ts in a separate Node process; resolves with how it ended. */
function runWriter(args: string[]): { done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> } {
  const child = spawn(process.execPath, ['--import', 'tsx', writerScript, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return { done: new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr }))) };
}

describe('SQLite stores shared between connections and processes', () => {
  it('keeps what a process committed before it was killed', async () => {
    open().close(); // schema in place, as the daemon would leave it
    const { code, signal, stderr } = await runWriter(['crash', dbFile()]).done;
    expect({ code, signal, stderr }).toMatchObject({ signal: 'SIGKILL' });
    const restarted = open();
    expect(await restarted.deliberations.unfinished()).toEqual([inProgressDeliberation('crashed', 1_000)]);
    expect(await restarted.deliberations.turns('crashed')).toEqual([turnFixture('crashed', 0)]);
  });

  it('lets a reader see the last committed state while another connection holds a write open', async () => {
    const reader = open();
    await reader.deliberations.save(inProgressDeliberation('task-1'));
    const writer = openDatabase(dbFile());
    try {
      writer.exec('BEGIN IMMEDIATE');
      writer.prepare("UPDATE deliberations SET status = 'COMPLETED', body = '{}' WHERE task_id = 'task-1'").run();
      // Neither blocked nor shown the uncommitted (and here deliberately invalid) row.
      expect(await reader.deliberations.get('task-1')).toEqual(inProgressDeliberation('task-1'));
      expect(await reader.deliberations.unfinished()).toHaveLength(1);
      writer.exec('ROLLBACK');
    } finally {
      writer.close();
    }
  });

  it('lets a writer commit while a reader holds a snapshot (WAL), and the reader sees it after', async () => {
    const writer = open();
    await writer.deliberations.save(inProgressDeliberation('task-1'));
    const reader = openDatabase(dbFile());
    try {
      const status = reader.prepare("SELECT status FROM deliberations WHERE task_id = 'task-1'").pluck();
      reader.exec('BEGIN');
      expect(status.get()).toBe('IN_PROGRESS');
      // With a rollback journal this commit would wait on the reader's lock and fail with SQLITE_BUSY.
      await writer.deliberations.save(completedDeliberation('task-1'));
      expect(status.get()).toBe('IN_PROGRESS'); // the reader's snapshot is stable
      reader.exec('COMMIT');
      expect(status.get()).toBe('COMPLETED');
    } finally {
      reader.close();
    }
  });

  it('reads consistent deliberations while another process writes them', async () => {
    const reader = open();
    const writes = 200;
    const writer = runWriter(['churn', dbFile(), String(writes)]);
    let ended = false;
    void writer.done.then(() => (ended = true));
    let reads = 0;
    let lastSeen = 0;
    while (!ended) {
      const d = await reader.deliberations.get('race');
      if (d !== undefined) {
        // Versions only move forward, and every version read is whole.
        expect(d.timings.length).toBeGreaterThanOrEqual(lastSeen);
        expect(d.results).toHaveLength(2);
        lastSeen = d.timings.length;
        expect((await reader.deliberations.turns('race')).length).toBeGreaterThanOrEqual(lastSeen);
        reads++;
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    const { code, stderr } = await writer.done;
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(reads).toBeGreaterThan(0);
    const final = await reader.deliberations.get('race');
    expect(final?.status).toBe('COMPLETED');
    expect(final?.timings).toHaveLength(writes);
    expect((await reader.deliberations.turns('race')).map((t) => t.completionTokens)).toEqual(
      Array.from({ length: writes }, (_, i) => turnFixture('race', i + 1).completionTokens),
    );
  });
});
