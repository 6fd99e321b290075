import { status } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FleetError } from '../../../core/domain/errors.js';
import type { DeliberationEvent } from '../../../core/domain/events.js';
import { DeliberationStatus, UpdateType, type DeliberationUpdate } from '../../../proto/gen/fleet/orchestrator/v1/orchestrator.js';
import { collectStream } from '../../support/grpc-client.js';
import { completedDeliberation, runningDeliberation } from './deliberation-fixture.js';
import { eventually, startHarness, type Harness } from './grpc-harness.js';

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 5));

describe('gRPC StreamDeliberation', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(() => h.close());

  it('starts a deliberation and streams its events in order, ending after the finished one', async () => {
    h.fleet.runDeliberate = async (command, { onEvent }) => {
      const taskId = command.taskId!;
      const d = completedDeliberation({ taskId });
      const events: DeliberationEvent[] = [
        { type: 'status', taskId, atMs: 1, status: 'IN_PROGRESS', progressPercent: 0 },
        { type: 'phase', taskId, atMs: 2, phase: 'propose', progressPercent: 0 },
        {
          type: 'agent',
          taskId,
          atMs: 3,
          agentId: 'dev-1',
          phase: 'propose',
          state: 'progress',
          tokens: 40,
          tokensPerSecond: 20.5,
          progressPercent: 0,
        },
        {
          type: 'agent-failed',
          taskId,
          atMs: 4,
          agentId: 'dev-2',
          phase: 'propose',
          code: 'UNAVAILABLE',
          message: 'model crashed',
          progressPercent: 20,
        },
        { type: 'phase', taskId, atMs: 5, phase: 'critique', round: 1, progressPercent: 40 },
        {
          type: 'scored',
          taskId,
          atMs: 6,
          result: { ...d.results.find((r) => r.proposal.authorId === 'dev-2')!, rank: 0 },
          progressPercent: 80,
        },
      ];
      for (const event of events) {
        onEvent?.(event);
        await tick();
      }
      onEvent?.({ type: 'finished', taskId, atMs: 7, deliberation: d, progressPercent: 100 });
      return d;
    };

    const updates = await collectStream(h.client.streamDeliberation({ taskId: 'live-1', taskDescription: 'Add retries', role: 'DEV' }));

    expect(updates.map((u) => u.type)).toEqual([
      UpdateType.UPDATE_TYPE_STATUS,
      UpdateType.UPDATE_TYPE_PHASE,
      UpdateType.UPDATE_TYPE_AGENT,
      UpdateType.UPDATE_TYPE_AGENT_FAILED,
      UpdateType.UPDATE_TYPE_PHASE,
      UpdateType.UPDATE_TYPE_SCORED,
      UpdateType.UPDATE_TYPE_FINISHED,
    ]);
    expect(updates.map((u) => u.atMs)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(updates[0]).toMatchObject({ taskId: 'live-1', deliberationStatus: DeliberationStatus.DELIBERATION_STATUS_IN_PROGRESS });
    expect(updates[2]).toMatchObject({ currentAgent: 'dev-1', phase: 'propose', state: 'progress', tokens: 40, tokensPerSecond: 20.5 });
    expect(updates[3]).toMatchObject({ currentAgent: 'dev-2', code: 'UNAVAILABLE', message: 'model crashed' });
    expect(updates[4]).toMatchObject({ phase: 'critique', round: 1 });
    expect(updates[6]!.result).toMatchObject({
      taskId: 'live-1',
      winnerId: 'dev-1',
      status: DeliberationStatus.DELIBERATION_STATUS_COMPLETED,
    });

    // The cluster's fields, on every update: where it is, in the cluster's words, and how far along.
    expect(updates.map((u) => u.status)).toEqual([
      'generating',
      'generating',
      'generating',
      'generating',
      'reviewing',
      'reviewing',
      'complete',
    ]);
    expect(updates.map((u) => u.currentStep)).toEqual(['', 'propose', 'propose', 'propose', 'critique 1', 'critique 1', 'critique 1']);
    expect(updates.map((u) => u.progressPercent)).toEqual([0, 0, 0, 20, 40, 80, 100]);
    expect(updates[5]!.partialResult).toMatchObject({ rank: 0, proposal: { authorId: 'dev-2' } });
    expect(updates[5]!.currentAgent).toBe('dev-2');
    expect(updates[6]!.partialResult).toMatchObject({ rank: 1, proposal: { authorId: 'dev-1' } });
  });

  it('sends one finished update even when the core does not emit one', async () => {
    const updates = await collectStream(h.client.streamDeliberation({ taskId: 'quiet-1', taskDescription: 'Add retries', role: 'DEV' }));
    expect(updates.map((u) => u.type)).toEqual([UpdateType.UPDATE_TYPE_FINISHED]);
  });

  it('ends with the core error status when the deliberation throws', async () => {
    h.fleet.runDeliberate = async () => {
      throw new FleetError('FAILED_PRECONDITION', 'no council for role DEV: create one first');
    };
    await expect(collectStream(h.client.streamDeliberation({ taskDescription: 'Add retries', role: 'DEV' }))).rejects.toMatchObject({
      code: status.FAILED_PRECONDITION,
      details: 'no council for role DEV: create one first',
    });
  });

  it('watches a running deliberation by task id and unsubscribes when it finishes', async () => {
    h.fleet.deliberations.set('run-1', runningDeliberation({ taskId: 'run-1' }));
    const received: DeliberationUpdate[] = [];
    const stream = h.client.streamDeliberation({ taskId: 'run-1' });
    stream.on('data', (u: DeliberationUpdate) => received.push(u));
    const done = collectStream(stream);

    await eventually(() => h.fleet.watcherCount('run-1') === 1);
    h.fleet.emit({ type: 'phase', taskId: 'run-1', atMs: 10, phase: 'revise', round: 1 });
    h.fleet.emit({ type: 'finished', taskId: 'run-1', atMs: 11, deliberation: completedDeliberation({ taskId: 'run-1' }) });
    await done;

    // First where it is (the record's phase, for a follower joining late), then what happens from then on.
    expect(received.map((u) => u.type)).toEqual([
      UpdateType.UPDATE_TYPE_PHASE,
      UpdateType.UPDATE_TYPE_PHASE,
      UpdateType.UPDATE_TYPE_FINISHED,
    ]);
    expect(received.map((u) => u.phase)).toEqual(['critique', 'revise', '']);
    expect(h.fleet.watcherCount('run-1')).toBe(0);
    expect(h.fleet.unsubscribed).toBe(1);
  });

  it('answers a finished deliberation with a single final update', async () => {
    h.fleet.deliberations.set('done-1', completedDeliberation({ taskId: 'done-1' }));
    const updates = await collectStream(h.client.streamDeliberation({ taskId: 'done-1' }));
    expect(updates).toHaveLength(1);
    expect(updates[0]).toMatchObject({ type: UpdateType.UPDATE_TYPE_FINISHED, atMs: completedDeliberation().finishedAtMs });
    expect(updates[0]!.result?.results).toHaveLength(2);
    expect(h.fleet.watcherCount('done-1')).toBe(0);
  });

  it('answers NOT_FOUND for watching an unknown task id', async () => {
    await expect(collectStream(h.client.streamDeliberation({ taskId: 'nope' }))).rejects.toMatchObject({ code: status.NOT_FOUND });
  });
});
