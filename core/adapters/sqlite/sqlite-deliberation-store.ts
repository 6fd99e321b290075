import { z } from 'zod';
import { attemptOf, type Deliberation } from '../../domain/deliberation.js';
import { DELIBERATION_STATUSES, PHASES } from '../../domain/deliberation.js';
import { ROLES } from '../../domain/role.js';
import { FleetError, invalidArgument } from '../../domain/errors.js';
import type { DeliberationOutcome, DeliberationStore, TurnRecord } from '../../ports/deliberation-store.js';
import { deliberationSchema, describeIssues } from './deliberation-schema.js';
import type { Synchronous } from './disk-full.js';
import type { SqliteDatabase } from './open-database.js';

export interface SqliteDeliberationStoreOptions {
  /** Wall clock for `updated_at_ms`. Default Date.now. */
  readonly now?: () => number;
  /**
   * With this, `list` and `unfinished` skip an unreadable row and report it here, so one damaged
   * record cannot stop a daemon from starting; without it they throw. `get` always throws for it.
   */
  readonly onUnreadable?: (error: FleetError) => void;
}

const bodyRow = z.object({ task_id: z.string(), body: z.string() });

const turnRows = z.array(
  z.object({
    task_id: z.string(),
    attempt: z.number(),
    agent_id: z.string(),
    phase: z.enum(PHASES),
    round: z.number().nullable(),
    ok: z.union([z.literal(0), z.literal(1)]),
    raw: z.string(),
    error: z.string().nullable(),
    completion_tokens: z.number(),
    duration_ms: z.number(),
    at_ms: z.number(),
  }),
);

const outcomeRows = z.array(
  z.object({
    task_id: z.string(),
    council_id: z.string(),
    role: z.enum(ROLES),
    status: z.enum(DELIBERATION_STATUSES),
    orchestrated: z.number(),
    duration_ms: z.number(),
    finished_at_ms: z.number(),
  }),
);

const turnTotalsRow = z.object({ turns: z.number(), failed: z.number(), completion_tokens: z.number(), avg_duration_ms: z.number() });

export function createSqliteDeliberationStore(
  db: SqliteDatabase,
  options: SqliteDeliberationStoreOptions = {},
): Synchronous<DeliberationStore> {
  const now = options.now ?? Date.now;
  const upsert = db.prepare(
    `INSERT INTO deliberations (task_id, council_id, role, status, created_at_ms, updated_at_ms, body)
     VALUES (@taskId, @councilId, @role, @status, @createdAtMs, @updatedAtMs, @body)
     ON CONFLICT (task_id) DO UPDATE SET council_id = excluded.council_id, role = excluded.role,
       status = excluded.status, created_at_ms = excluded.created_at_ms, updated_at_ms = excluded.updated_at_ms,
       body = excluded.body`,
  );
  // The record a new attempt replaces is kept first, in the same transaction as the new one's save.
  const keepEarlierAttempt = db.prepare(
    `INSERT OR IGNORE INTO deliberation_attempts (task_id, attempt, status, created_at_ms, body)
     SELECT task_id, coalesce(json_extract(body, '$.attempt'), 1), status, created_at_ms, body
       FROM deliberations WHERE task_id = ? AND coalesce(json_extract(body, '$.attempt'), 1) < ?`,
  );
  const insertTurn = db.prepare(
    `INSERT INTO turns (task_id, attempt, agent_id, phase, round, ok, raw, error, completion_tokens, duration_ms, at_ms)
     VALUES (@taskId, @attempt, @agentId, @phase, @round, @ok, @raw, @error, @completionTokens, @durationMs, @atMs)`,
  );
  const selectOne = db.prepare('SELECT task_id, body FROM deliberations WHERE task_id = ?');
  const selectAttempts = db.prepare('SELECT task_id, body FROM deliberation_attempts WHERE task_id = ? ORDER BY attempt');
  const selectRecent = db.prepare('SELECT task_id, body FROM deliberations ORDER BY created_at_ms DESC, task_id DESC LIMIT ?');
  const selectUnfinished = db.prepare(
    `SELECT task_id, body FROM deliberations WHERE status IN ('PENDING', 'IN_PROGRESS') ORDER BY created_at_ms, task_id`,
  );
  const selectTurns = db.prepare('SELECT * FROM turns WHERE task_id = ? ORDER BY seq');
  // Read from the body with json_extract: metrics need a handful of fields, not whole records.
  const selectOutcomes = db.prepare(
    `SELECT task_id, council_id, role, status,
            coalesce(json_extract(body, '$.orchestrated'), 0) AS orchestrated,
            coalesce(json_extract(body, '$.durationMs'), 0) AS duration_ms,
            coalesce(json_extract(body, '$.finishedAtMs'), updated_at_ms) AS finished_at_ms
       FROM deliberations
      WHERE status NOT IN ('PENDING', 'IN_PROGRESS')
        AND coalesce(json_extract(body, '$.finishedAtMs'), updated_at_ms) >= ?
      ORDER BY finished_at_ms`,
  );
  const selectTurnTotals = db.prepare(
    `SELECT count(*) AS turns, coalesce(sum(ok = 0), 0) AS failed, coalesce(sum(completion_tokens), 0) AS completion_tokens,
            coalesce(avg(CASE WHEN ok = 1 THEN duration_ms END), 0) AS avg_duration_ms
       FROM turns WHERE at_ms >= ?`,
  );
  const { onUnreadable } = options;
  const readable = (rows: unknown[]): Deliberation[] =>
    onUnreadable === undefined
      ? rows.map(decode)
      : rows.flatMap((row) => {
          try {
            return [decode(row)];
          } catch (error) {
            if (!(error instanceof FleetError)) throw error;
            onUnreadable(error);
            return [];
          }
        });

  const saveLatest = db.transaction((deliberation: Deliberation) => {
    if (attemptOf(deliberation) > 1) keepEarlierAttempt.run(deliberation.taskId, attemptOf(deliberation));
    upsert.run({
      taskId: deliberation.taskId,
      councilId: deliberation.councilId,
      role: deliberation.role,
      status: deliberation.status,
      createdAtMs: deliberation.createdAtMs,
      updatedAtMs: now(),
      body: encode(deliberation),
    });
  });

  return {
    save(deliberation) {
      saveLatest(deliberation);
    },

    appendTurn(turn) {
      insertTurn.run({
        taskId: turn.taskId,
        attempt: turn.attempt ?? 1,
        agentId: turn.agentId,
        phase: turn.phase,
        round: turn.round ?? null,
        ok: turn.ok ? 1 : 0,
        raw: turn.raw,
        error: turn.error ?? null,
        completionTokens: turn.completionTokens,
        durationMs: turn.durationMs,
        atMs: turn.atMs,
      });
    },

    get(taskId) {
      const row: unknown = selectOne.get(taskId);
      return row === undefined ? undefined : decode(row);
    },

    attempts(taskId) {
      return selectAttempts.all(taskId).map(decode);
    },

    turns(taskId) {
      const rows = turnRows.safeParse(selectTurns.all(taskId));
      if (!rows.success) throw corrupt(taskId, `turns: ${describeIssues(rows.error)}`);
      return rows.data.map((r): TurnRecord => ({
        taskId: r.task_id,
        attempt: r.attempt,
        agentId: r.agent_id,
        phase: r.phase,
        ...(r.round === null ? {} : { round: r.round }),
        ok: r.ok === 1,
        raw: r.raw,
        ...(r.error === null ? {} : { error: r.error }),
        completionTokens: r.completion_tokens,
        durationMs: r.duration_ms,
        atMs: r.at_ms,
      }));
    },

    list(listOptions) {
      const limit = listOptions?.limit;
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw invalidArgument('limit', 'a non-negative integer', limit);
      // SQLite reads a negative LIMIT as "no limit".
      return readable(selectRecent.all(limit ?? -1));
    },

    unfinished() {
      return readable(selectUnfinished.all());
    },

    outcomes(outcomeOptions) {
      const rows = outcomeRows.safeParse(selectOutcomes.all(outcomeOptions?.sinceMs ?? 0));
      if (!rows.success) throw corrupt('(outcomes)', describeIssues(rows.error));
      return rows.data.map((r): DeliberationOutcome => ({
        taskId: r.task_id,
        councilId: r.council_id,
        role: r.role,
        status: r.status,
        orchestrated: r.orchestrated === 1,
        durationMs: r.duration_ms,
        finishedAtMs: r.finished_at_ms,
      }));
    },

    turnTotals(totalOptions) {
      const r = turnTotalsRow.parse(selectTurnTotals.get(totalOptions?.sinceMs ?? 0));
      return { turns: r.turns, failed: r.failed, completionTokens: r.completion_tokens, avgDurationMs: r.avg_duration_ms };
    },
  };
}

/**
 * JSON turns NaN and Infinity into null, which would then fail to read back; refusing them here puts
 * the error where the bad value was made instead of on every later read.
 */
function encode(d: Deliberation): string {
  return JSON.stringify(d, (key, value: unknown) => {
    if (typeof value === 'number' && !Number.isFinite(value)) {
      throw new FleetError('INTERNAL', `deliberation ${d.taskId}: field "${key}" is ${value}, which cannot be stored`);
    }
    return value;
  });
}

function decode(row: unknown): Deliberation {
  const { task_id: taskId, body } = bodyRow.parse(row);
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw corrupt(taskId, `not JSON: ${error instanceof Error ? error.message : String(error)}`, error);
  }
  const parsed = deliberationSchema.safeParse(json);
  if (!parsed.success) throw corrupt(taskId, describeIssues(parsed.error), parsed.error);
  if (parsed.data.taskId !== taskId) throw corrupt(taskId, `its body belongs to task ${parsed.data.taskId}`);
  return parsed.data;
}

const corrupt = (taskId: string, detail: string, cause?: unknown): FleetError =>
  new FleetError(
    'INTERNAL',
    `deliberation ${taskId}: the stored record is unreadable (${detail}); the database may be damaged or written by an incompatible version`,
    { cause },
  );
