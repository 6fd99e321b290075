import type { MessageInitShape } from '@bufbuild/protobuf';
import {
  DeliberationSort,
  type DeliberationSummary,
  type ListDeliberationsRequestSchema,
} from '../../../proto/gen-es/fleet/desktop/v1/desktop_pb.js';
import { DeliberationStatus } from '../../../proto/gen-es/fleet/orchestrator/v1/orchestrator_pb.js';
import { ROLES } from '../councils/roles.js';

/** The status choices a person makes; failed covers timed out too, running covers waiting to start. */
export const STATUS_CHOICES = {
  all: [],
  running: [DeliberationStatus.PENDING, DeliberationStatus.IN_PROGRESS],
  completed: [DeliberationStatus.COMPLETED],
  failed: [DeliberationStatus.FAILED, DeliberationStatus.TIMEOUT],
  cancelled: [DeliberationStatus.CANCELLED],
} as const satisfies Record<string, readonly DeliberationStatus[]>;
export type StatusChoice = keyof typeof STATUS_CHOICES;

export const SORT_CHOICES = {
  newest: DeliberationSort.NEWEST,
  oldest: DeliberationSort.OLDEST,
  longest: DeliberationSort.LONGEST,
  shortest: DeliberationSort.SHORTEST,
} as const;
export type SortChoice = keyof typeof SORT_CHOICES;

export interface HistoryFilter {
  readonly query: string;
  /** A role name, or empty for every role. */
  readonly role: string;
  readonly status: StatusChoice;
  readonly sort: SortChoice;
}

export const initialFilter: HistoryFilter = { query: '', role: '', status: 'all', sort: 'newest' };

export type FilterAction = {
  readonly [K in keyof HistoryFilter]: { readonly type: K; readonly value: HistoryFilter[K] };
}[keyof HistoryFilter];

export const filterReducer = (f: HistoryFilter, a: FilterAction): HistoryFilter => ({ ...f, [a.type]: a.value });

export const isFiltered = (f: HistoryFilter): boolean => f.query.trim() !== '' || f.role !== '' || f.status !== 'all';

// Enough rows for the charts to say something; the list shows them all.
export const PAGE_SIZE = 200;

export function toListRequest(f: HistoryFilter): MessageInitShape<typeof ListDeliberationsRequestSchema> {
  return {
    query: f.query.trim(),
    role: f.role,
    statuses: [...STATUS_CHOICES[f.status]],
    sort: SORT_CHOICES[f.sort],
    limit: PAGE_SIZE,
  };
}

export const STATUS_WORDS: Readonly<Record<DeliberationStatus, string>> = {
  [DeliberationStatus.UNKNOWN]: 'unknown',
  [DeliberationStatus.PENDING]: 'waiting',
  [DeliberationStatus.IN_PROGRESS]: 'running',
  [DeliberationStatus.COMPLETED]: 'completed',
  [DeliberationStatus.FAILED]: 'failed',
  [DeliberationStatus.TIMEOUT]: 'timed out',
  [DeliberationStatus.CANCELLED]: 'cancelled',
};

/** Seconds each listed deliberation took, oldest first, for the durations plot. */
export function durationSeries(rows: readonly DeliberationSummary[]): { label: string; seconds: number; taskId: string }[] {
  return [...rows]
    .sort((a, b) => Number(a.createdAtMs - b.createdAtMs))
    .map((r) => ({ label: new Date(Number(r.createdAtMs)).toLocaleTimeString(), seconds: Number(r.durationMs) / 1000, taskId: r.taskId }));
}

const BUCKETS = 10;

/** How many winners scored in each tenth of 0..1, per role: one row per bucket, one column per role. */
export function scoreDistribution(rows: readonly DeliberationSummary[]): Record<string, number | string>[] {
  const table = Array.from({ length: BUCKETS }, (_, i) => {
    const row: Record<string, number | string> = { bucket: `${(i / BUCKETS).toFixed(1)}–${((i + 1) / BUCKETS).toFixed(1)}` };
    for (const role of ROLES) row[role] = 0;
    return row;
  });
  for (const r of rows) {
    if (r.winnerId === '') continue;
    const row = table[Math.min(BUCKETS - 1, Math.floor(r.winnerScore * BUCKETS))];
    if (row !== undefined) row[r.role] = Number(row[r.role] ?? 0) + 1;
  }
  return table;
}
