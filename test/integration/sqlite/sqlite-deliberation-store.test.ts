import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../core/adapters/sqlite/open-database.js';
import { createSqliteStores, type SqliteStores } from '../../../core/adapters/sqlite/sqlite-stores.js';
import Database from 'better-sqlite3';
import { MIGRATIONS } from '../../../core/adapters/sqlite/migrations.js';
import { attemptOf, interrupted, nextAttempt, transition } from '../../../core/domain/deliberation.js';
import { FleetError } from '../../../core/domain/errors.js';
import { completedDeliberation, inProgressDeliberation, pendingDeliberation, T0, turnFixture } from './deliberation-fixture.js';
import { useTempDir } from './temp-dir.js';

const dir = useTempDir();
const dbFile = (): string => join(dir(), 'fleet.db');
const opened: SqliteStores[] = [];
const open = (now?: () => number): SqliteStores => {
  const stores = createSqliteStores(dbFile(), now === undefined ? {} : { now });
  opened.push(stores);
  return stores;
};
afterEach(() => opened.splice(0).forEach((s) => s.close()));

async function thrown(call: () => Promise<unknown>): Promise<FleetError> {
  const error = await call().then(
    () => new Error('expected a FleetError'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FleetError);
  return error as FleetError;
}

function corruptBody(taskId: string, body: string): void {
  const db = openDatabase(dbFile());
  db.prepare('UPDATE deliberations SET body = ? WHERE task_id = ?').run(body, taskId);
  db.close();
}

describe('SQLite deliberation store', () => {
  it('round-trips a full deliberation: results, revisions, critiques, scores, failures, timings, decision', async () => {
    const { deliberations } = open();
    const d = completedDeliberation('task-1');
    await deliberations.save(d);
    const back = await deliberations.get('task-1');
    expect(back).toEqual(d);
    // Exact floats and text survive, not just structure.
    expect(back?.results[1]?.score.total).toBe(0.7123456789012345);
    expect(back?.task.description).toBe(d.task.description);
    expect(back?.results[0]?.proposal.revisions[0]?.critique.issues).toEqual(['no failure mode for Redis outage', 'metrics lack labels']);
    expect(await deliberations.get('unknown')).toBeUndefined();
  });

  it('keeps the indexed columns in step with each save', async () => {
    let clock = 5_000;
    const { deliberations } = open(() => clock);
    const pending = pendingDeliberation('task-1', 1_000);
    await deliberations.save(pending);
    clock = 7_000;
    await deliberations.save(transition(pending, 'IN_PROGRESS', 7_000));
    const db = openDatabase(dbFile());
    expect(db.prepare('SELECT task_id, council_id, role, status, created_at_ms, updated_at_ms FROM deliberations').get()).toEqual({
      task_id: 'task-1',
      council_id: 'council-dev',
      role: 'DEV',
      status: 'IN_PROGRESS',
      created_at_ms: 1_000,
      updated_at_ms: 7_000,
    });
    db.close();
  });

  it('saving again replaces the deliberation', async () => {
    const { deliberations } = open();
    await deliberations.save(inProgressDeliberation('task-1'));
    const done = completedDeliberation('task-1');
    await deliberations.save(done);
    expect(await deliberations.get('task-1')).toEqual(done);
    expect(await deliberations.list()).toHaveLength(1);
  });

  it('lists newest first, with an optional limit', async () => {
    const { deliberations } = open();
    await deliberations.save(completedDeliberation('old', 1_000));
    await deliberations.save(completedDeliberation('new', 3_000));
    await deliberations.save(inProgressDeliberation('mid', 2_000));
    expect((await deliberations.list()).map((d) => d.taskId)).toEqual(['new', 'mid', 'old']);
    expect((await deliberations.list({ limit: 2 })).map((d) => d.taskId)).toEqual(['new', 'mid']);
    expect(await deliberations.list({ limit: 0 })).toEqual([]);
    expect((await thrown(() => deliberations.list({ limit: -1 }))).code).toBe('INVALID_ARGUMENT');
  });

  it('returns PENDING and IN_PROGRESS deliberations as unfinished, oldest first', async () => {
    const { deliberations } = open();
    await deliberations.save(completedDeliberation('done', 1_000));
    await deliberations.save(inProgressDeliberation('running', 3_000));
    await deliberations.save(pendingDeliberation('queued', 2_000));
    await deliberations.save(transition(inProgressDeliberation('cancelled', 4_000), 'CANCELLED', 5_000));
    expect((await deliberations.unfinished()).map((d) => [d.taskId, d.status])).toEqual([
      ['queued', 'PENDING'],
      ['running', 'IN_PROGRESS'],
    ]);
  });

  it('keeps the record a new attempt replaces among the earlier attempts, in the order they ran', async () => {
    const { deliberations } = open();
    const first = interrupted(inProgressDeliberation('task-1', 1_000), 2_000);
    await deliberations.save(first);
    const second = transition({ ...inProgressDeliberation('task-1', 3_000), ...nextAttempt(first) }, 'TIMEOUT', 4_000, 'deadline');
    await deliberations.save({ ...second, status: 'IN_PROGRESS' });
    // Saved again and again while it runs: the earlier attempt is kept once.
    await deliberations.save(second);
    const third = { ...completedDeliberation('task-1', 5_000), ...nextAttempt(second) };
    await deliberations.save(third);

    expect(await deliberations.get('task-1')).toEqual(third);
    expect(third.earlierAttempts?.map((a) => [a.attempt, a.status, a.error])).toEqual([
      [1, 'FAILED', 'interrupted: the daemon stopped while the deliberation was in progress during critique'],
      [2, 'TIMEOUT', 'deadline'],
    ]);
    expect(await deliberations.attempts('task-1')).toEqual([first, second]);
    expect(await deliberations.attempts('unknown')).toEqual([]);
    expect(await deliberations.list()).toHaveLength(1);

    await deliberations.appendTurn(turnFixture('task-1', 0));
    await deliberations.appendTurn({ ...turnFixture('task-1', 1), attempt: 3 });
    expect((await deliberations.turns('task-1')).map((t) => t.attempt)).toEqual([1, 3]);
  });

  it('brings a database of the first schema up to date: its records are first attempts', async () => {
    const db = new Database(dbFile());
    db.exec(MIGRATIONS[0]!);
    db.pragma('user_version = 1');
    const d = completedDeliberation('old-1');
    const { taskId, councilId, role, status, createdAtMs } = d;
    db.prepare('INSERT INTO deliberations VALUES (?, ?, ?, ?, ?, ?, ?)').run(
      taskId,
      councilId,
      role,
      status,
      createdAtMs,
      createdAtMs,
      JSON.stringify(d),
    );
    const { attempt: _attempt, ...turn } = turnFixture('old-1', 0);
    db.prepare(
      `INSERT INTO turns (task_id, agent_id, phase, round, ok, raw, error, completion_tokens, duration_ms, at_ms)
       VALUES (@taskId, @agentId, @phase, NULL, 1, @raw, NULL, @completionTokens, @durationMs, @atMs)`,
    ).run(turn);
    db.close();

    const { deliberations } = open();
    expect(attemptOf((await deliberations.get('old-1'))!)).toBe(1);
    expect(await deliberations.turns('old-1')).toEqual([turnFixture('old-1', 0)]);
    expect(await deliberations.attempts('old-1')).toEqual([]);
  });

  it('appends turns and returns them in the order they were made', async () => {
    const { deliberations } = open();
    await deliberations.save(inProgressDeliberation('task-1'));
    const turns = [0, 1, 2, 3, 4].map((i) => turnFixture('task-1', i, i !== 3));
    for (const t of turns) await deliberations.appendTurn(t);
    await deliberations.appendTurn(turnFixture('task-2', 0));
    expect(await deliberations.turns('task-1')).toEqual(turns);
    expect(await deliberations.turns('task-2')).toHaveLength(1);
    expect(await deliberations.turns('nothing')).toEqual([]);
  });

  it('keeps everything across close and reopen', async () => {
    const first = open();
    const d = completedDeliberation('task-1');
    await first.deliberations.save(d);
    await first.deliberations.appendTurn(turnFixture('task-1', 0));
    first.close();
    const second = open();
    expect(await second.deliberations.get('task-1')).toEqual(d);
    expect(await second.deliberations.turns('task-1')).toEqual([turnFixture('task-1', 0)]);
  });

  it('finds a deliberation left IN_PROGRESS by a crash after restart, and records it interrupted', async () => {
    const crashed = open();
    await crashed.deliberations.save(inProgressDeliberation('task-1', 1_000));
    // No close: the connection is dropped the way a killed process would drop it.
    opened.splice(opened.indexOf(crashed), 1);
    const restarted = open();
    const [left, ...others] = await restarted.deliberations.unfinished();
    expect(others).toEqual([]);
    expect(left).toEqual(inProgressDeliberation('task-1', 1_000));
    await restarted.deliberations.save(interrupted(left!, 9_000));
    expect(await restarted.deliberations.unfinished()).toEqual([]);
    expect(await restarted.deliberations.get('task-1')).toMatchObject({
      status: 'FAILED',
      error: expect.stringMatching(/during critique$/),
    });
    crashed.close();
  });

  it('reports a row that is not JSON, naming the task', async () => {
    await open().deliberations.save(completedDeliberation('task-1'));
    corruptBody('task-1', '{"taskId": "task-1", "status": ');
    const error = await thrown(() => open().deliberations.get('task-1'));
    expect(error.code).toBe('INTERNAL');
    expect(error.message).toMatch(/^deliberation task-1: the stored record is unreadable \(not JSON: /);
  });

  it('reports a row of the wrong shape, naming the task and the field', async () => {
    const stores = open();
    await stores.deliberations.save(completedDeliberation('task-1'));
    await stores.deliberations.save(completedDeliberation('task-2', 2_000));
    const broken = completedDeliberation('task-1') as unknown as { results: Array<{ score: { total: unknown } }> };
    broken.results[0]!.score.total = 'high';
    corruptBody('task-1', JSON.stringify(broken));
    const error = await thrown(() => open().deliberations.list());
    expect(error.code).toBe('INTERNAL');
    expect(error.message).toContain('deliberation task-1: the stored record is unreadable (results.0.score.total: ');
    expect(await open().deliberations.get('task-2')).toEqual(completedDeliberation('task-2', 2_000));
  });

  it('skips an unreadable row in list and unfinished when told where to report it', async () => {
    const stores = open();
    await stores.deliberations.save(inProgressDeliberation('task-1'));
    await stores.deliberations.save(inProgressDeliberation('task-2'));
    corruptBody('task-1', '{"taskId": ');
    const reported: FleetError[] = [];
    const tolerant = createSqliteStores(dbFile(), { onUnreadable: (e) => reported.push(e) });
    opened.push(tolerant);
    expect((await tolerant.deliberations.unfinished()).map((d) => d.taskId)).toEqual(['task-2']);
    expect((await tolerant.deliberations.list()).map((d) => d.taskId)).toEqual(['task-2']);
    expect(reported.map((e) => e.message)).toEqual([
      expect.stringMatching(/^deliberation task-1: /),
      expect.stringMatching(/^deliberation task-1: /),
    ]);
    await expect(tolerant.deliberations.get('task-1')).rejects.toThrow(/deliberation task-1/);
  });

  it('reports a body that belongs to another task', async () => {
    await open().deliberations.save(completedDeliberation('task-1'));
    corruptBody('task-1', JSON.stringify(completedDeliberation('task-9')));
    expect((await thrown(() => open().deliberations.get('task-1'))).message).toMatch(/deliberation task-1: .*belongs to task task-9/);
  });

  it('refuses to store a number JSON cannot hold rather than write an unreadable row', async () => {
    const { deliberations } = open();
    const d = completedDeliberation('task-1');
    const bad = { ...d, durationMs: Number.NaN };
    const error = await thrown(() => deliberations.save(bad));
    expect(error.message).toBe('deliberation task-1: field "durationMs" is NaN, which cannot be stored');
    expect(await deliberations.get('task-1')).toBeUndefined();
  });

  it('reads finished outcomes and turn totals for metrics, within a time window', async () => {
    const { deliberations } = open();
    await deliberations.save({ ...completedDeliberation('done-old', T0), orchestrated: true });
    await deliberations.save(transition(inProgressDeliberation('failed-new', T0 + 60_000), 'FAILED', T0 + 70_000, 'boom'));
    await deliberations.save(inProgressDeliberation('running', T0 + 80_000));
    for (let i = 0; i < 5; i++) await deliberations.appendTurn(turnFixture('done-old', i, i !== 4));

    expect(await deliberations.outcomes()).toEqual([
      {
        taskId: 'done-old',
        councilId: 'council-dev',
        role: 'DEV',
        status: 'COMPLETED',
        orchestrated: true,
        durationMs: 6_000,
        finishedAtMs: T0 + 6_000,
      },
      {
        taskId: 'failed-new',
        councilId: 'council-dev',
        role: 'DEV',
        status: 'FAILED',
        orchestrated: false,
        durationMs: 10_000,
        finishedAtMs: T0 + 70_000,
      },
    ]);
    expect((await deliberations.outcomes({ sinceMs: T0 + 10_000 })).map((o) => o.taskId)).toEqual(['failed-new']);

    // Four turns succeeded (1234.5..1237.5 ms), one failed; every turn's tokens count.
    expect(await deliberations.turnTotals()).toEqual({ turns: 5, failed: 1, completionTokens: 510, avgDurationMs: 1236 });
    expect(await deliberations.turnTotals({ sinceMs: T0 + 3_000 })).toEqual({
      turns: 2,
      failed: 1,
      completionTokens: 207,
      avgDurationMs: 1237.5,
    });
  });

  it('reads back records written before checks had a kind and violations', async () => {
    const { deliberations } = open();
    const d = completedDeliberation('legacy-1');
    await deliberations.save(d);
    const body = JSON.parse(JSON.stringify(d)) as { results: { checks: { checks: Record<string, unknown>[] } }[] };
    for (const c of body.results.flatMap((r) => r.checks.checks)) {
      delete c['kind'];
      delete c['violations'];
    }
    corruptBody('legacy-1', JSON.stringify(body));
    const checks = (await deliberations.get('legacy-1'))!.results[0]!.checks.checks;
    expect(checks.map((c) => [c.name, c.kind, c.violations])).toEqual([
      ['requirements_addressed', 'policy', []],
      ['sections_present', 'policy', []],
      ['length_bounds', 'lint', ['65 chars (expected 80..8000)']],
    ]);
  });
});
