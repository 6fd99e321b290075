import { describe, expect, it } from 'vitest';
import { toEventMessage } from '../../../core/adapters/nats/deliberation-event-messages.js';
import { encodeFlatEvent, parseEvent } from '../../../core/adapters/nats/fleet-event.js';
import type { DeliberationEvent } from '../../../core/domain/events.js';
import { renderContent } from '../../../core/domain/proposal.js';
import { deliberation, rankedResults } from './deliberations.js';

// What we publish, as the cluster's consumers read it: one flat object per event.

const AT = Date.UTC(2025, 5, 1, 10, 0, 0, 250);
const wire = (event: DeliberationEvent): Record<string, unknown> =>
  JSON.parse(new TextDecoder().decode(encodeFlatEvent(toEventMessage(event).event))) as Record<string, unknown>;

describe('deliberation events on the wire', () => {
  it("announces a completed deliberation with the fields the cluster's context service reads, our metadata beside them", () => {
    const results = rankedResults();
    const d = deliberation('plan-p1-DEV', 'COMPLETED', { results, winnerId: 'dev-1' });
    const finished = {
      type: 'finished',
      taskId: d.taskId,
      atMs: AT,
      deliberation: { ...d, task: { ...d.task, storyId: 'story-1', planId: 'p1' } },
    } as const;

    expect(toEventMessage(finished)).toMatchObject({ subject: 'orchestration.deliberation.completed', durable: true });
    expect(wire(finished)).toEqual({
      event_id: 'plan-p1-DEV.finished',
      type: 'orchestration.deliberation.completed',
      version: 1,
      occurred_at: '2025-06-01T10:00:00.250Z',
      correlation_id: 'plan-p1-DEV',
      event_type: 'orchestration.deliberation.completed',
      timestamp: AT / 1000,
      task_id: 'plan-p1-DEV',
      story_id: 'story-1',
      role: 'DEV',
      council_id: 'council-dev',
      status: 'COMPLETED',
      winner_id: 'dev-1',
      decisions: [
        {
          id: 'plan-p1-DEV:dev-1',
          type: 'winner',
          rationale: 'Clear and complete.',
          proposal: { author: { agent_id: 'dev-1', role: 'DEV' }, content: renderContent(results[0]!.proposal.content) },
          checks: {
            policy: { passed: true, violations: [], message: '2 policy checks passed' },
            lint: { passed: true, error_count: 0, warning_count: 0, errors: [] },
            additional_checks: [
              { check_type: 'requirements_addressed', passed: true, score: 1, message: 'all 1 requirements addressed' },
              { check_type: 'sections_present', passed: true, score: 1, message: 'summary, approach and risks present' },
              { check_type: 'length_bounds', passed: true, score: 1, message: expect.stringMatching(/^\d+ chars/) },
            ],
            all_passed: true,
          },
          score: results[0]!.score.total,
        },
        {
          id: 'plan-p1-DEV:dev-2',
          type: 'proposal',
          rationale: 'Too thin.',
          proposal: { author: { agent_id: 'dev-2', role: 'DEV' }, content: renderContent(results[1]!.proposal.content) },
          checks: {
            policy: {
              passed: false,
              violations: [
                'requirement not addressed: retry failed uploads with backoff',
                'section missing or too short: summary',
                'section missing or too short: approach',
                'section missing or too short: risks',
              ],
              message: 'policy checks failed: requirements_addressed, sections_present',
            },
            lint: {
              passed: false,
              error_count: 1,
              warning_count: 0,
              errors: [expect.stringMatching(/^length \d+ chars outside 80\.\.8000$/)],
            },
            additional_checks: [
              expect.objectContaining({ check_type: 'requirements_addressed', passed: false, score: 0 }),
              expect.objectContaining({ check_type: 'sections_present', passed: false, score: 0 }),
              expect.objectContaining({ check_type: 'length_bounds', passed: false }),
            ],
            all_passed: false,
          },
          score: results[1]!.score.total,
        },
      ],
      failures: 0,
      duration_ms: 2_000,
    });
  });

  it("gives the ARCHITECT's rationale to the proposal it chose, the judge's comment to the others", () => {
    const decision = { chosenId: 'dev-2', rationale: 'Smaller change, easier to review.', candidates: ['dev-1', 'dev-2'], raw: '{}' };
    const d = deliberation('t-arch', 'COMPLETED', { results: rankedResults(), winnerId: 'dev-2', decision, orchestrated: true });
    const decisions = wire({ type: 'finished', taskId: d.taskId, atMs: AT, deliberation: d }).decisions as Array<{
      type: string;
      rationale: string;
    }>;
    expect(decisions.map((x) => [x.type, x.rationale])).toEqual([
      ['proposal', 'Clear and complete.'],
      ['winner', 'Smaller change, easier to review.'],
    ]);
  });

  it('sends an empty story_id for a deliberation that came from no story, and announces a failure the same way', () => {
    const d = deliberation('t-failed', 'FAILED', { error: 'every agent failed' });
    expect(toEventMessage({ type: 'finished', taskId: d.taskId, atMs: AT, deliberation: d }).subject).toBe(
      'orchestration.deliberation.failed',
    );
    expect(wire({ type: 'finished', taskId: d.taskId, atMs: AT, deliberation: d })).toMatchObject({
      event_type: 'orchestration.deliberation.failed',
      story_id: '',
      task_id: 't-failed',
      decisions: [],
      error: 'every agent failed',
    });
  });

  it('announces each scored proposal as progress, and carries how far the deliberation has come', () => {
    const [scored] = rankedResults();
    const event: DeliberationEvent = { type: 'scored', taskId: 't-1', atMs: AT, progressPercent: 80, result: { ...scored!, rank: 0 } };
    expect(toEventMessage(event)).toMatchObject({ subject: 'orchestration.deliberation.progress', durable: false });
    expect(wire(event)).toMatchObject({
      event_id: 't-1.scored.dev-1',
      event_type: 'orchestration.deliberation.progress',
      task_id: 't-1',
      kind: 'scored',
      agent_id: 'dev-1',
      score: scored!.score.total,
      progress_percent: 80,
    });
    expect(wire({ type: 'phase', taskId: 't-1', atMs: AT, phase: 'critique', round: 1, progressPercent: 40 })).toMatchObject({
      kind: 'phase',
      progress_percent: 40,
    });
  });

  it('publishes every kind of event flat, and reads each back as it was meant', () => {
    const d = deliberation('t-2', 'COMPLETED', { results: rankedResults(), winnerId: 'dev-1' });
    const events: DeliberationEvent[] = [
      { type: 'status', taskId: 't-2', atMs: AT, status: 'IN_PROGRESS', progressPercent: 0 },
      { type: 'phase', taskId: 't-2', atMs: AT + 1, phase: 'propose', progressPercent: 0 },
      {
        type: 'agent',
        taskId: 't-2',
        atMs: AT + 2,
        agentId: 'dev-1',
        phase: 'propose',
        state: 'progress',
        tokens: 12,
        tokensPerSecond: 30,
      },
      { type: 'agent', taskId: 't-2', atMs: AT + 3, agentId: 'dev-1', phase: 'propose', state: 'done', tokens: 120 },
      {
        type: 'agent-failed',
        taskId: 't-2',
        atMs: AT + 4,
        agentId: 'dev-2',
        phase: 'propose',
        code: 'DEADLINE_EXCEEDED',
        message: 'too slow',
      },
      { type: 'scored', taskId: 't-2', atMs: AT + 5, result: { ...rankedResults()[0]!, rank: 0 } },
      { type: 'finished', taskId: 't-2', atMs: AT + 6, deliberation: d },
    ];
    const read = events.map((e) => {
      const message = toEventMessage(e);
      const flat = wire(e);
      expect(flat).toMatchObject({ event_type: message.subject, type: message.subject, task_id: 't-2', timestamp: e.atMs / 1000 });
      return parseEvent(message.subject, encodeFlatEvent(message.event));
    });
    expect(read.map((e) => e.type)).toEqual([
      'orchestration.deliberation.started',
      'orchestration.deliberation.progress',
      'orchestration.deliberation.progress',
      'agent.response.completed',
      'agent.response.failed',
      'orchestration.deliberation.progress',
      'orchestration.deliberation.completed',
    ]);
    read.forEach((e, i) => {
      expect(e).toMatchObject({
        form: 'flat',
        eventId: toEventMessage(events[i]!).event.event_id,
        occurredAtMs: events[i]!.atMs,
        correlationId: 't-2',
      });
      // Our metadata is read as metadata, not left among the fields.
      for (const key of ['event_id', 'type', 'version', 'occurred_at', 'correlation_id', 'event_type', 'timestamp'])
        expect(e.fields).not.toHaveProperty(key);
    });
    expect(read[2]!.fields).toEqual({
      task_id: 't-2',
      kind: 'agent',
      agent_id: 'dev-1',
      phase: 'propose',
      state: 'progress',
      tokens: 12,
      tokens_per_second: 30,
    });
    expect(read[4]!.fields).toEqual({
      task_id: 't-2',
      agent_id: 'dev-2',
      phase: 'propose',
      code: 'DEADLINE_EXCEEDED',
      message: 'too slow',
    });
  });

  it("names the deliberation's story on every event when it serves one", () => {
    const base = { taskId: 'plan-p1-DEV', atMs: AT, storyId: 'story-1' } as const;
    const events: DeliberationEvent[] = [
      { ...base, type: 'status', status: 'IN_PROGRESS' },
      { ...base, type: 'phase', phase: 'propose' },
      { ...base, type: 'agent', agentId: 'dev-1', phase: 'propose', state: 'done', tokens: 3 },
      { ...base, type: 'agent-failed', agentId: 'dev-2', phase: 'propose', code: 'UNAVAILABLE', message: 'gone' },
    ];
    for (const e of events) {
      expect(wire(e)).toMatchObject({ story_id: 'story-1', task_id: 'plan-p1-DEV' });
      expect(parseEvent(toEventMessage(e).subject, encodeFlatEvent(toEventMessage(e).event)).fields).toMatchObject({ story_id: 'story-1' });
    }
    expect(wire({ type: 'phase', taskId: 't', atMs: AT, phase: 'propose' })).not.toHaveProperty('story_id');
  });
});
