import { create } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import {
  DeliberateResponseSchema,
  DeliberationResultSchema,
  DeliberationStatus,
  type DeliberationUpdate,
  DeliberationUpdateSchema,
  GetDeliberationResultResponseSchema,
  UpdateType,
} from '../../proto/gen-es/fleet/orchestrator/v1/orchestrator_pb.js';
import { critiquesOf, disagrees, verdict } from '../src/deliberation/outcome.js';
import { atPhase, FIRST_VERSION_UNRECORDED, replayState } from '../src/deliberation/replay.js';
import { deliberationReducer, type DeliberationState, initialState, splitAgent, statusText } from '../src/deliberation/state.js';

const u = (fields: Parameters<typeof create<typeof DeliberationUpdateSchema>>[1]): DeliberationUpdate =>
  create(DeliberationUpdateSchema, { taskId: 't-1', ...fields });

const fold = (updates: DeliberationUpdate[], from: DeliberationState = initialState('t-1')): DeliberationState =>
  updates.reduce((s, update) => deliberationReducer(s, { type: 'update', update }), from);

const agent = (currentAgent: string, phase: string, state: string, text = '', tokens = 0, tokensPerSecond = 0): DeliberationUpdate =>
  u({ type: UpdateType.AGENT, currentAgent, phase, state, text, tokens, tokensPerSecond });

const result = (author: string, score: number, rubricScore = score, checksScore = score) =>
  create(DeliberationResultSchema, { proposal: { authorId: author, content: `${author}'s plan` }, score, rubricScore, checksScore });

describe('the deliberation update reducer', () => {
  it('appends each agent update’s text to that agent’s turn for the current phase', () => {
    const s = fold([
      u({ type: UpdateType.PHASE, phase: 'propose' }),
      agent('dev-1', 'propose', 'started'),
      agent('dev-2', 'propose', 'started'),
      agent('dev-1', 'propose', 'progress', 'Use a '),
      agent('dev-2', 'propose', 'progress', 'Rewrite'),
      agent('dev-1', 'propose', 'done', 'parser.', 40, 12.5),
    ]);
    expect(s.lanes.map((l) => l.agentId)).toEqual(['dev-1', 'dev-2']);
    expect(s.lanes[0]?.turns).toEqual([
      {
        phase: 'propose',
        round: undefined,
        about: undefined,
        text: 'Use a parser.',
        state: 'done',
        tokens: 40,
        tokensPerSecond: 12.5,
        failure: undefined,
      },
    ]);
    expect(s.lanes[1]?.turns[0]?.text).toBe('Rewrite');
    expect(s.lanes[1]?.turns[0]?.state).toBe('progress');
  });

  it('puts `a:b` in a’s column about b, and takes the round from the last phase update', () => {
    const s = fold([
      u({ type: UpdateType.PHASE, phase: 'critique', round: 2 }),
      agent('dev-1:dev-2', 'critique', 'started'),
      agent('dev-1:dev-2', 'critique', 'progress', 'Too vague.'),
      u({ type: UpdateType.PHASE, phase: 'score' }),
      agent('judge:dev-1', 'score', 'done', '{"scores":{}}'),
    ]);
    expect(s.lanes.map((l) => l.agentId)).toEqual(['dev-1', 'judge']);
    expect(s.lanes[0]?.turns[0]).toMatchObject({ phase: 'critique', round: 2, about: 'dev-2', text: 'Too vague.' });
    expect(s.lanes[1]?.turns[0]).toMatchObject({ phase: 'score', round: undefined, about: 'dev-1' });
    expect(s.timeline.map((m) => [m.phase, m.round])).toEqual([
      ['critique', 2],
      ['score', undefined],
    ]);
    expect(splitAgent('dev-3')).toEqual({ agentId: 'dev-3', about: undefined });
  });

  it('takes an agent writing as proof it runs: a window that joined late says running and the phase, not connecting', () => {
    const joined = fold([agent('dev-1', 'propose', 'progress', 'Cache ', 3, 9)]);
    expect(joined.status).toBe(DeliberationStatus.IN_PROGRESS);
    expect(statusText(joined)).toBe('running: propose');
    expect(joined.timeline.map((m) => m.phase)).toEqual(['propose']);
    // A later phase seen first in an agent update moves the status on; an earlier one does not move it back.
    const critiquing = fold([agent('dev-1:dev-2', 'critique', 'progress', 'Vague.'), agent('dev-2', 'propose', 'done', 'x')], joined);
    expect(statusText(critiquing)).toBe('running: critique');
    // The phase update's round is kept when agents of that phase write.
    const announced = fold([u({ type: UpdateType.PHASE, phase: 'revise', round: 2 }), agent('dev-1', 'revise', 'progress', 'v3')]);
    expect(statusText(announced)).toBe('running: revise 2');
    expect(announced.timeline).toHaveLength(1);
    // An ended deliberation stays ended whatever arrives late.
    const ended = fold([
      u({ type: UpdateType.FINISHED, deliberationStatus: DeliberationStatus.CANCELLED }),
      agent('dev-1', 'revise', 'done'),
    ]);
    expect(statusText(ended)).toBe('cancelled');
  });

  it('records an agent failure in words in its column', () => {
    const s = fold([
      agent('dev-2', 'propose', 'started'),
      u({ type: UpdateType.AGENT_FAILED, currentAgent: 'dev-2', phase: 'propose', code: 'UNAVAILABLE', message: 'model gone' }),
    ]);
    expect(s.lanes[0]?.turns[0]).toMatchObject({ state: 'failed', failure: { code: 'UNAVAILABLE', message: 'model gone' } });
  });

  it('keeps the latest score of each proposal, then ends on FINISHED with its ranking', () => {
    const final = create(DeliberateResponseSchema, {
      winnerId: 'dev-2',
      status: DeliberationStatus.COMPLETED,
      results: [result('dev-2', 0.8), result('dev-1', 0.6)],
    });
    const partial = fold([
      u({ type: UpdateType.SCORED, partialResult: result('dev-1', 0.5) }),
      u({ type: UpdateType.SCORED, partialResult: result('dev-1', 0.6) }),
    ]);
    expect(partial.scored.map((r) => r.score)).toEqual([0.6]);
    const s = fold([u({ type: UpdateType.FINISHED, deliberationStatus: DeliberationStatus.COMPLETED, result: final })], partial);
    expect(s.scored.map((r) => r.score)).toEqual([0.8, 0.6]);
    expect(s.status).toBe(DeliberationStatus.COMPLETED);
    expect(s.result?.winnerId).toBe('dev-2');
    expect(statusText(s)).toBe('completed');
  });

  it('says cancelling from the Stop until FINISHED says cancelled', () => {
    const running = fold([u({ type: UpdateType.STATUS, deliberationStatus: DeliberationStatus.IN_PROGRESS })]);
    const stopping = deliberationReducer(deliberationReducer(running, { type: 'stop-requested' }), {
      type: 'stop-answered',
      ended: undefined,
    });
    expect(statusText(stopping)).toBe('cancelling');
    const ended = fold(
      [u({ type: UpdateType.FINISHED, deliberationStatus: DeliberationStatus.CANCELLED, message: 'cancelled by the user' })],
      stopping,
    );
    expect(statusText(ended)).toBe('cancelled');
    expect(ended.error).toBe('cancelled by the user');
    expect(statusText(deliberationReducer(stopping, { type: 'stop-failed' }))).toBe('running');
  });

  it('takes a Stop answered "already ended" as the end', () => {
    const running = fold([u({ type: UpdateType.STATUS, deliberationStatus: DeliberationStatus.IN_PROGRESS })]);
    const s = deliberationReducer(deliberationReducer(running, { type: 'stop-requested' }), {
      type: 'stop-answered',
      ended: DeliberationStatus.COMPLETED,
    });
    expect(statusText(s)).toBe('completed');
  });
});

describe('a deliberation replayed from its record', () => {
  const record = create(GetDeliberationResultResponseSchema, {
    taskId: 't-9',
    status: DeliberationStatus.COMPLETED,
    winnerId: 'dev-1',
    results: [
      {
        proposal: {
          authorId: 'dev-1',
          content: 'v2',
          original: 'v1',
          revisionHistory: [{ round: 1, content: 'v2', critique: { reviewerId: 'dev-2', feedback: 'Add tests', issues: ['no tests'] } }],
        },
        score: 0.9,
        rubricScore: 0.9,
        checksScore: 0.5,
        rank: 1,
      },
      { proposal: { authorId: 'dev-2', content: 'only version' }, score: 0.7, rubricScore: 0.7, checksScore: 0.7, rank: 2 },
    ],
    detail: {
      orchestrated: false,
      failures: [{ agentId: 'dev-3', phase: 'propose', code: 'DEADLINE_EXCEEDED', message: 'too slow' }],
      timings: [{ phase: 'propose', startedAtMs: 1n, durationMs: 10n }],
    },
  });

  it('rebuilds proposals, critiques beside their target, revisions and failures', () => {
    const s = replayState(record);
    const lane = (id: string) => s.lanes.find((l) => l.agentId === id);
    expect(lane('dev-1')?.turns.map((t) => [t.phase, t.text])).toEqual([
      ['propose', 'v1'],
      ['revise', 'v2'],
    ]);
    expect(lane('dev-2')?.turns.map((t) => [t.phase, t.about, t.text])).toEqual([
      ['propose', undefined, 'only version'],
      ['critique', 'dev-1', 'Add tests\n- no tests'],
    ]);
    expect(lane('dev-3')?.turns[0]?.failure?.message).toBe('too slow');
    expect(critiquesOf(s, 'dev-1')).toEqual([{ reviewerId: 'dev-2', round: 1, text: 'Add tests\n- no tests' }]);
  });

  it('says a record without the first version (stored by an older daemon) lacks it, instead of showing a revision as the first', () => {
    const old = create(GetDeliberationResultResponseSchema, {
      taskId: 't-8',
      status: DeliberationStatus.COMPLETED,
      results: [{ proposal: { authorId: 'dev-1', content: 'v2', revisionHistory: [{ round: 1, content: 'v2' }] } }],
    });
    expect(replayState(old).lanes[0]?.turns.map((t) => t.text)).toEqual([FIRST_VERSION_UNRECORDED, 'v2']);
  });

  it('shows at each phase only what existed then', () => {
    const s = replayState(record);
    const proposed = atPhase(s, 'propose');
    expect(proposed.lanes.flatMap((l) => l.turns.map((t) => t.phase)).every((p) => p === 'propose')).toBe(true);
    expect(proposed.scored).toEqual([]);
    expect(proposed.result).toBeUndefined();
    expect(atPhase(s, 'score').scored).toHaveLength(2);
    expect(atPhase(s, 'score').result).toBeUndefined();
    expect(atPhase(s, 'choose').result?.winnerId).toBe('dev-1');
  });

  it('names the winner, its margin and the rule; flags judge and checks apart by 0.3 or more', () => {
    const s = replayState(record);
    const v = s.result === undefined ? undefined : verdict(s.result);
    expect(v?.winnerId).toBe('dev-1');
    expect(v?.runnerUpId).toBe('dev-2');
    expect(v?.margin).toBeCloseTo(0.2);
    expect(v?.rule).toBe('highest combined score');
    expect(disagrees(record.results[0]!)).toBe(true);
    expect(disagrees(record.results[1]!)).toBe(false);
  });

  it('names the ARCHITECT’s choice and rationale when it decided', () => {
    const chosen = create(DeliberateResponseSchema, {
      winnerId: 'dev-2',
      results: [result('dev-1', 0.9), result('dev-2', 0.8)],
      detail: { orchestrated: true, decision: { chosenId: 'dev-2', rationale: 'simpler to run', candidates: ['dev-1', 'dev-2'] } },
    });
    const v = verdict(chosen);
    expect(v?.rule).toBe("the ARCHITECT's choice among dev-1, dev-2: simpler to run");
    expect(v?.margin).toBeCloseTo(-0.1);
  });
});

describe('failures on the record', () => {
  it('reach the agent’s column on FINISHED when the stream missed them, once', () => {
    const failures = [{ agentId: 'dev-2', phase: 'critique', round: 1, code: 'INTERNAL', message: 'bad JSON' }];
    const finished = u({ type: UpdateType.FINISHED, deliberationStatus: DeliberationStatus.COMPLETED, result: { detail: { failures } } });
    const missed = fold([u({ type: UpdateType.PHASE, phase: 'critique', round: 1 }), finished]);
    expect(missed.lanes).toEqual([
      {
        agentId: 'dev-2',
        turns: [
          expect.objectContaining({ phase: 'critique', round: 1, state: 'failed', failure: { code: 'INTERNAL', message: 'bad JSON' } }),
        ],
      },
    ]);
    const seen = fold([
      u({ type: UpdateType.PHASE, phase: 'critique', round: 1 }),
      u({ type: UpdateType.AGENT_FAILED, currentAgent: 'dev-2', phase: 'critique', code: 'INTERNAL', message: 'bad JSON' }),
      finished,
    ]);
    expect(seen.lanes[0]?.turns).toHaveLength(1);
  });
});
