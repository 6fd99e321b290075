import type { Deliberation, DeliberationStatus } from './deliberation.js';
import type { Role } from './role.js';

export type HistorySort = 'newest' | 'oldest' | 'longest' | 'shortest';

export interface HistoryQuery {
  /** Words that must all appear in the description, the task id or the winner's id (any case). */
  readonly text?: string;
  readonly role?: Role;
  /** Only deliberations serving this planning story. */
  readonly storyId?: string;
  /** Empty or absent: every status. */
  readonly statuses?: readonly DeliberationStatus[];
  readonly sort?: HistorySort;
  readonly limit: number;
  readonly offset: number;
}

export interface HistoryPage {
  readonly items: readonly Deliberation[];
  /** How many match, beyond this page too. */
  readonly total: number;
}

/** Time taken so far: a running deliberation counts up to now. */
export const elapsedMs = (d: Deliberation, nowMs: number): number => d.durationMs ?? Math.max(0, (d.finishedAtMs ?? nowMs) - d.createdAtMs);

const COMPARE: Readonly<Record<HistorySort, (a: Deliberation, b: Deliberation, nowMs: number) => number>> = {
  newest: (a, b) => b.createdAtMs - a.createdAtMs,
  oldest: (a, b) => a.createdAtMs - b.createdAtMs,
  longest: (a, b, now) => elapsedMs(b, now) - elapsedMs(a, now),
  shortest: (a, b, now) => elapsedMs(a, now) - elapsedMs(b, now),
};

export function searchHistory(all: readonly Deliberation[], query: HistoryQuery, nowMs: number): HistoryPage {
  const words = (query.text ?? '')
    .toLowerCase()
    .split(/\s+/)
    .filter((w) => w !== '');
  const statuses = new Set(query.statuses ?? []);
  const matches = all.filter((d) => {
    if (query.role !== undefined && d.role !== query.role) return false;
    if (query.storyId !== undefined && d.task.storyId !== query.storyId) return false;
    if (statuses.size > 0 && !statuses.has(d.status)) return false;
    const haystack = `${d.task.description}\n${d.taskId}\n${d.winnerId ?? ''}`.toLowerCase();
    return words.every((w) => haystack.includes(w));
  });
  const compare = COMPARE[query.sort ?? 'newest'];
  matches.sort((a, b) => compare(a, b, nowMs) || a.taskId.localeCompare(b.taskId));
  return { items: matches.slice(query.offset, query.offset + query.limit), total: matches.length };
}
