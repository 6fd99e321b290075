import type { Council } from '../../core/domain/council.js';
import { attemptOf, type Deliberation } from '../../core/domain/deliberation.js';
import type { Role } from '../../core/domain/role.js';
import type { Clock } from '../../core/ports/clock.js';
import type { CouncilStore } from '../../core/ports/council-store.js';
import type { DeliberationOutcome, DeliberationStore, TurnRecord, TurnTotals } from '../../core/ports/deliberation-store.js';

/** In-memory stores for use-case unit tests; integration tests use the SQLite adapter. */
export function memoryStores(): { councils: CouncilStore; deliberations: DeliberationStore & { saves: number } } {
  const councils = new Map<string, Council>();
  const deliberations = new Map<string, Deliberation>();
  const earlier = new Map<string, Deliberation[]>();
  const turns: TurnRecord[] = [];
  const store = {
    saves: 0,
    async save(d: Deliberation) {
      store.saves++;
      const stored = deliberations.get(d.taskId);
      // Like the SQLite store: a new attempt keeps the one it replaces.
      if (stored !== undefined && attemptOf(stored) < attemptOf(d)) earlier.set(d.taskId, [...(earlier.get(d.taskId) ?? []), stored]);
      deliberations.set(d.taskId, structuredClone(d));
    },
    appendTurn: async (t: TurnRecord) => void turns.push(t),
    get: async (id: string) => deliberations.get(id),
    attempts: async (id: string) => [...(earlier.get(id) ?? [])],
    turns: async (id: string) => turns.filter((t) => t.taskId === id),
    list: async () => [...deliberations.values()],
    unfinished: async () => [...deliberations.values()].filter((d) => d.status === 'PENDING' || d.status === 'IN_PROGRESS'),
    outcomes: async (options?: { sinceMs?: number }): Promise<DeliberationOutcome[]> =>
      [...deliberations.values()]
        .filter((d) => d.finishedAtMs !== undefined && d.finishedAtMs >= (options?.sinceMs ?? 0))
        .sort((a, b) => a.finishedAtMs! - b.finishedAtMs!)
        .map((d) => ({
          taskId: d.taskId,
          councilId: d.councilId,
          role: d.role,
          status: d.status,
          orchestrated: d.orchestrated === true,
          durationMs: d.durationMs ?? 0,
          finishedAtMs: d.finishedAtMs!,
        })),
    turnTotals: async (options?: { sinceMs?: number }): Promise<TurnTotals> => {
      const recent = turns.filter((t) => t.atMs >= (options?.sinceMs ?? 0));
      const ok = recent.filter((t) => t.ok);
      return {
        turns: recent.length,
        failed: recent.length - ok.length,
        completionTokens: recent.reduce((sum, t) => sum + t.completionTokens, 0),
        avgDurationMs: ok.length === 0 ? 0 : ok.reduce((sum, t) => sum + t.durationMs, 0) / ok.length,
      };
    },
  };
  return {
    councils: {
      save: async (c: Council) => void councils.set(c.id, c),
      get: async (id: string) => councils.get(id),
      list: async (role?: Role) => [...councils.values()].filter((c) => role === undefined || c.role === role),
      delete: async (id: string) => councils.delete(id),
    },
    deliberations: store,
  };
}

export function testClock(): Clock {
  let ids = 0;
  return { now: () => Date.now(), newId: () => `id-${(++ids).toString().padStart(8, '0')}` };
}
