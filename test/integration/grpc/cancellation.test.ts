import { status, type ServiceError } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FleetError } from '../../../core/domain/errors.js';
import { DeliberateRequest, type DeliberationUpdate } from '../../../proto/gen/fleet/orchestrator/v1/orchestrator.js';
import { collectStream, deadlineIn } from '../../support/grpc-client.js';
import { runningDeliberation } from './deliberation-fixture.js';
import { eventually, startHarness, type Harness } from './grpc-harness.js';
import { untilAborted } from './scripted-fleet-service.js';

const abortCode = (signal: AbortSignal | undefined): string | undefined =>
  signal?.reason instanceof FleetError ? signal.reason.code : undefined;

describe('gRPC deadlines and cancellation', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    h.fleet.runDeliberate = (_command, { signal }) => untilAborted(signal);
  });
  afterEach(() => h.close());

  it('turns a call deadline into DEADLINE_EXCEEDED and aborts the core with that reason', async () => {
    const started = Date.now();
    await expect(h.client.deliberate({ taskDescription: 'Add retries', role: 'DEV' }, { deadline: deadlineIn(200) })).rejects.toMatchObject(
      {
        code: status.DEADLINE_EXCEEDED,
      },
    );
    expect(Date.now() - started).toBeLessThan(2000);

    const [signal] = h.fleet.signals;
    await eventually(() => signal?.aborted === true);
    expect(abortCode(signal)).toBe('DEADLINE_EXCEEDED');
  });

  it('aborts the core when the client cancels a unary call', async () => {
    const call = h.client.raw.deliberate(DeliberateRequest.fromPartial({ taskDescription: 'Add retries', role: 'DEV' }), () => {});
    await eventually(() => h.fleet.signals.length === 1);
    call.cancel();
    await eventually(() => h.fleet.signals[0]!.aborted);
    expect(abortCode(h.fleet.signals[0])).toBe('CANCELLED');
  });

  it('aborts the deliberation a stream started when the client cancels it', async () => {
    h.fleet.runDeliberate = (command, { signal, onEvent }) => {
      onEvent?.({ type: 'status', taskId: command.taskId ?? 't', atMs: 1, status: 'IN_PROGRESS' });
      return untilAborted(signal);
    };
    const stream = h.client.streamDeliberation({ taskDescription: 'Add retries', role: 'DEV' });
    const outcome = collectStream(stream).catch((e: ServiceError) => e);
    await new Promise<void>((resolve) => stream.once('data', (_: DeliberationUpdate) => resolve()));

    stream.cancel();
    expect(await outcome).toMatchObject({ code: status.CANCELLED });
    await eventually(() => h.fleet.signals[0]!.aborted);
    expect(abortCode(h.fleet.signals[0])).toBe('CANCELLED');
  });

  it('unsubscribes a watcher whose client cancels, leaving the deliberation running', async () => {
    h.fleet.deliberations.set('run-1', runningDeliberation({ taskId: 'run-1' }));
    const stream = h.client.streamDeliberation({ taskId: 'run-1' });
    const outcome = collectStream(stream).catch((e: ServiceError) => e);
    await eventually(() => h.fleet.watcherCount('run-1') === 1);

    stream.cancel();
    expect(await outcome).toMatchObject({ code: status.CANCELLED });
    await eventually(() => h.fleet.watcherCount('run-1') === 0);
    expect(h.fleet.unsubscribed).toBe(1);
  });

  it('cancels calls still running when stop() runs out of grace', async () => {
    const outcome = h.client.deliberate({ taskDescription: 'Add retries', role: 'DEV' }).catch((e: ServiceError) => e);
    await eventually(() => h.fleet.signals.length === 1);

    await h.server.stop();
    expect(h.fleet.signals[0]!.aborted).toBe(true);
    expect(await outcome).toMatchObject({ code: status.CANCELLED });
    expect(h.logs.some((l) => l.level === 'warn' && l.message.includes('grace'))).toBe(true);
  });
});
