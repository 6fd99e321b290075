import type { ContextCache } from '../../ports/context-cache.js';
import type { BuiltContext, ContextRequest } from '../../ports/context-service.js';
import type { Synchronous } from './disk-full.js';
import type { SqliteDatabase } from './open-database.js';

// No subtask and no budget are stored as '' and 0, so that the primary key treats them as values.
const keyOf = (r: ContextRequest): [string, string, string, string, number] => [
  r.storyId,
  r.role,
  r.phase,
  r.subtaskId ?? '',
  r.tokenBudget ?? 0,
];

/** The rehydration cache in the fleet database. */
export function createSqliteContextCache(db: SqliteDatabase): Synchronous<ContextCache> {
  const generation = db.prepare<[string], { generation: number }>('SELECT generation FROM context_generations WHERE story_id = ?');
  const get = db.prepare<[string, string, string, string, number, number], { body: string }>(
    'SELECT body FROM context_cache WHERE story_id = ? AND role = ? AND phase = ? AND subtask_id = ? AND budget = ? AND generation = ?',
  );
  const put = db.prepare<[string, string, string, string, number, number, string]>(
    'INSERT OR REPLACE INTO context_cache (story_id, role, phase, subtask_id, budget, generation, body) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const bump = db.prepare<[string]>(
    'INSERT INTO context_generations (story_id, generation) VALUES (?, 1) ON CONFLICT (story_id) DO UPDATE SET generation = generation + 1',
  );
  const drop = db.prepare<[string]>('DELETE FROM context_cache WHERE story_id = ?');
  const dropAll = db.prepare('DELETE FROM context_cache');
  const invalidate = db.transaction((storyId: string) => {
    bump.run(storyId);
    drop.run(storyId);
  });
  return {
    generation: (storyId) => generation.get(storyId)?.generation ?? 0,
    get(request, at) {
      const row = get.get(...keyOf(request), at);
      return row === undefined ? undefined : (JSON.parse(row.body) as BuiltContext);
    },
    put(request, at, built) {
      put.run(...keyOf(request), at, JSON.stringify(built));
    },
    invalidate(storyId) {
      invalidate(storyId);
    },
    clear() {
      dropAll.run();
    },
  };
}
