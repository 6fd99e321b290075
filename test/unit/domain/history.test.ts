import { describe, expect, it } from 'vitest';
import type { Deliberation } from '../../../core/domain/deliberation.js';
import { searchHistory } from '../../../core/domain/history.js';
import { completedDeliberation } from '../../integration/grpc/deliberation-fixture.js';

const NOW = 1_000_000;
const at = (taskId: string, fields: Partial<Deliberation>, description = 'Rotate the signing keys'): Deliberation =>
  completedDeliberation({ taskId, ...fields, task: { ...completedDeliberation().task, description } });

const records: Deliberation[] = [
  at('t-old', { createdAtMs: 1_000, durationMs: 50_000 }, 'Add retries to the uploader'),
  at('t-mid', { createdAtMs: 2_000, durationMs: 10_000, role: 'QA', status: 'FAILED', winnerId: undefined }),
  // Running: its time counts up to now.
  at('t-new', { createdAtMs: 900_000, durationMs: undefined, finishedAtMs: undefined, status: 'IN_PROGRESS', winnerId: undefined }),
];

describe('searchHistory', () => {
  it('finds by every word of the text, in any case, in the description, the task id or the winner', () => {
    expect(searchHistory(records, { text: 'UPLOADER retries', limit: 10, offset: 0 }, NOW).items.map((d) => d.taskId)).toEqual(['t-old']);
    expect(searchHistory(records, { text: 't-mid', limit: 10, offset: 0 }, NOW).items.map((d) => d.taskId)).toEqual(['t-mid']);
    expect(searchHistory(records, { text: 'uploader absent-word', limit: 10, offset: 0 }, NOW).total).toBe(0);
  });

  it('filters by role and status and sorts by time or duration, a running one counting until now', () => {
    const ids = (q: Parameters<typeof searchHistory>[1]) => searchHistory(records, q, NOW).items.map((d) => d.taskId);
    expect(ids({ role: 'QA', limit: 10, offset: 0 })).toEqual(['t-mid']);
    expect(ids({ statuses: ['IN_PROGRESS', 'FAILED'], limit: 10, offset: 0 })).toEqual(['t-new', 't-mid']);
    expect(ids({ sort: 'oldest', limit: 10, offset: 0 })).toEqual(['t-old', 't-mid', 't-new']);
    expect(ids({ sort: 'longest', limit: 10, offset: 0 })).toEqual(['t-new', 't-old', 't-mid']);
    expect(ids({ sort: 'shortest', limit: 10, offset: 0 })).toEqual(['t-mid', 't-old', 't-new']);
  });

  it('pages with limit and offset and counts every match', () => {
    const page = searchHistory(records, { sort: 'oldest', limit: 1, offset: 1 }, NOW);
    expect(page.items.map((d) => d.taskId)).toEqual(['t-mid']);
    expect(page.total).toBe(3);
  });
});
