import { create } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { DeliberationSort, DeliberationSummarySchema, WatchEventsResponseSchema } from '../../proto/gen-es/fleet/desktop/v1/desktop_pb.js';
import { DeliberationStatus } from '../../proto/gen-es/fleet/orchestrator/v1/orchestrator_pb.js';
import { hrefOf, parseHash } from '../src/app/route.js';
import { emptyStart, fieldOfServerError, toStartRequest, validateStart } from '../src/councils/start-form.js';
import { feedReducer, initialFeed, parseSubjects } from '../src/events/feed.js';
import { type FilterAction, filterReducer, initialFilter, scoreDistribution, toListRequest } from '../src/history/filter.js';

describe('routes', () => {
  it('reads and writes the hash, a task id included', () => {
    expect(parseHash('#/deliberations/a%2Fb')).toEqual({ view: 'deliberation', taskId: 'a/b' });
    expect(parseHash('#/system')).toEqual({ view: 'system' });
    expect(parseHash('')).toEqual({ view: 'councils' });
    expect(parseHash('#/nowhere')).toEqual({ view: 'councils' });
    expect(hrefOf({ view: 'deliberation', taskId: 'a/b' })).toBe('#/deliberations/a%2Fb');
  });
});

describe('the start form', () => {
  it('names an empty task and out-of-range numbers', () => {
    expect(validateStart(emptyStart).task).toMatch(/^Task: describe the work/);
    const errors = validateStart({ ...emptyStart, task: 'x', agents: '9', rounds: '1.5' });
    expect(errors.task).toBeUndefined();
    expect(errors.agents).toMatch(/^Agents:/);
    expect(errors.rounds).toMatch(/^Rounds:/);
  });

  it('sends requirements one per line and empty numbers as the defaults', () => {
    const req = toStartRequest({ ...emptyStart, task: ' Add a cache ', role: 'QA', requirements: 'fast\n\n safe ', orchestrate: true });
    expect(req).toEqual({
      request: {
        taskDescription: 'Add a cache',
        role: 'QA',
        numAgents: 0,
        rounds: 0,
        constraints: { requirements: ['fast', 'safe'], rubric: '' },
      },
      orchestrate: true,
    });
  });

  it('finds the field a server error names', () => {
    expect(fieldOfServerError('num_agents must be 1..8')).toBe('agents');
    expect(fieldOfServerError('task_description is required')).toBe('task');
    expect(fieldOfServerError('role: unknown role XYZ')).toBe('role');
    expect(fieldOfServerError('the model is loading')).toBeUndefined();
  });
});

describe('the history filter', () => {
  it('turns choices into a list request', () => {
    const actions: FilterAction[] = [
      { type: 'query', value: ' cache ' },
      { type: 'role', value: 'DEV' },
      { type: 'status', value: 'failed' },
      { type: 'sort', value: 'longest' },
    ];
    const f = actions.reduce(filterReducer, initialFilter);
    expect(toListRequest(f)).toMatchObject({
      query: 'cache',
      role: 'DEV',
      statuses: [DeliberationStatus.FAILED, DeliberationStatus.TIMEOUT],
      sort: DeliberationSort.LONGEST,
    });
  });

  it('counts winning scores per role in tenths', () => {
    const rows = [
      create(DeliberationSummarySchema, { role: 'DEV', winnerId: 'dev-1', winnerScore: 0.82 }),
      create(DeliberationSummarySchema, { role: 'DEV', winnerId: 'dev-2', winnerScore: 1 }),
      create(DeliberationSummarySchema, { role: 'QA', winnerId: 'qa-1', winnerScore: 0.85 }),
      create(DeliberationSummarySchema, { role: 'QA', winnerId: '', winnerScore: 0 }),
    ];
    const table = scoreDistribution(rows);
    expect(table[8]).toMatchObject({ bucket: '0.8–0.9', DEV: 1, QA: 1 });
    expect(table[9]).toMatchObject({ DEV: 1, QA: 0 });
    expect(table[0]).toMatchObject({ DEV: 0, QA: 0 });
  });
});

describe('the event feed', () => {
  const ev = (seq: number) => create(WatchEventsResponseSchema, { seq: BigInt(seq), subject: 's' });

  it('holds events while paused and shows them all on resume, newest first', () => {
    let s = feedReducer(initialFeed, { type: 'event', event: ev(1) });
    s = feedReducer(s, { type: 'pause' });
    s = feedReducer(s, { type: 'event', event: ev(2) });
    s = feedReducer(s, { type: 'event', event: ev(3) });
    expect(s.shown.map((e) => e.seq)).toEqual([1n]);
    expect(s.held).toHaveLength(2);
    s = feedReducer(s, { type: 'resume' });
    expect(s.shown.map((e) => e.seq)).toEqual([3n, 2n, 1n]);
    expect(s.held).toEqual([]);
  });

  it('reads subject patterns separated by spaces or commas', () => {
    expect(parseSubjects(' planning.>,  orchestration.deliberation.* ')).toEqual(['planning.>', 'orchestration.deliberation.*']);
  });
});
