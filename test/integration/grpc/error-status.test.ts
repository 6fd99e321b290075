import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startGrpcServer } from '../../../core/adapters/grpc/grpc-server.js';
import { FleetError, type ErrorCode } from '../../../core/domain/errors.js';
import { OrchestratorServiceService } from '../../../proto/gen/fleet/orchestrator/v1/orchestrator.js';
import { startHarness, type Harness } from './grpc-harness.js';
import { ScriptedFleetService } from './scripted-fleet-service.js';

describe('gRPC error statuses', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(() => h.close());

  it.each<[ErrorCode, status]>([
    ['INVALID_ARGUMENT', status.INVALID_ARGUMENT],
    ['NOT_FOUND', status.NOT_FOUND],
    ['FAILED_PRECONDITION', status.FAILED_PRECONDITION],
    ['DEADLINE_EXCEEDED', status.DEADLINE_EXCEEDED],
    ['CANCELLED', status.CANCELLED],
    ['UNAVAILABLE', status.UNAVAILABLE],
    ['INTERNAL', status.INTERNAL],
  ])('maps a core %s to the gRPC status of that name, keeping the message', async (code, expected) => {
    h.fleet.getDeliberation = () => {
      throw new FleetError(code, `scripted ${code}`);
    };
    await expect(h.client.getDeliberationResult({ taskId: 'task-1' })).rejects.toMatchObject({
      code: expected,
      details: `scripted ${code}`,
    });
  });

  it('hides an unexpected error behind INTERNAL, logs it, and keeps serving', async () => {
    h.fleet.statusOf = () => {
      throw new Error('SQLITE_CORRUPT at /home/me/.fleet/fleet.db');
    };
    const error = (await h.client.getStatus({}).catch((e: unknown) => e)) as ServiceError;
    expect(error.code).toBe(status.INTERNAL);
    expect(error.details).not.toContain('SQLITE');
    expect(error.details).toContain('GetStatus');
    expect(h.logs.find((l) => l.level === 'error')?.fields?.error).toContain('SQLITE_CORRUPT');

    h.fleet.runDeliberate = () => Promise.reject(new TypeError('undefined is not a function'));
    await expect(h.client.deliberate({ taskDescription: 'Add retries', role: 'DEV' })).rejects.toMatchObject({ code: status.INTERNAL });

    expect(await h.client.getMetrics({})).toMatchObject({ performance: { deliberationsTotal: 8 } });
    expect(await h.client.health()).toBe('SERVING');
  });

  it('answers bytes that are not a valid request INVALID_ARGUMENT, unary and streaming, and keeps serving', async () => {
    const garbage = Buffer.from([0x12, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]);
    const method = OrchestratorServiceService.deliberate;
    const error = await new Promise<ServiceError | null>((resolve) => {
      h.client.raw.makeUnaryRequest(
        method.path,
        (b: Buffer) => b,
        method.responseDeserialize,
        garbage,
        new Metadata(),
        {},
        (e) => resolve(e),
      );
    });
    expect(error?.code).toBe(status.INVALID_ARGUMENT);
    expect(error?.details).toMatch(/^request: expected a protobuf Deliberate request, got bytes that do not decode/);
    const stream = OrchestratorServiceService.streamDeliberation;
    const streamed = await new Promise<ServiceError>((resolve) => {
      const call = h.client.raw.makeServerStreamRequest(
        stream.path,
        (b: Buffer) => b,
        stream.responseDeserialize,
        garbage,
        new Metadata(),
        {},
      );
      call.on('error', resolve);
      call.on('data', () => undefined);
    });
    expect(streamed.code).toBe(status.INVALID_ARGUMENT);
    expect(h.fleet.commands).toEqual([]);
    expect(await h.client.health()).toBe('SERVING');
  });

  it('answers UNIMPLEMENTED for the backlog review', async () => {
    await expect(h.client.deliberateForBacklogReview({})).rejects.toMatchObject({
      code: status.UNIMPLEMENTED,
      details: expect.stringContaining('not implemented'),
    });
  });

  it('answers DeriveSubtasks FAILED_PRECONDITION without task derivation; ProcessPlanningEvent says which events it acts on', async () => {
    await expect(h.client.deriveSubtasks({ planId: 'p' })).rejects.toMatchObject({
      code: status.FAILED_PRECONDITION,
      details: expect.stringContaining('without task derivation'),
    });
    expect(await h.client.processPlanningEvent({ eventType: 'planning.story.transitioned' })).toMatchObject({
      processed: false,
      message: expect.stringContaining('planning.plan.approved only'),
    });
  });

  it('refuses a port that is taken with UNAVAILABLE, naming the address and --grpc-port', async () => {
    const attempt = startGrpcServer({ fleet: new ScriptedFleetService().useCases, version: 'test', port: h.server.port });
    await expect(attempt).rejects.toBeInstanceOf(FleetError);
    await expect(attempt).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringContaining(`127.0.0.1:${h.server.port}`),
    });
    await expect(attempt).rejects.toMatchObject({ message: expect.stringContaining('--grpc-port') });
    expect(await h.client.health()).toBe('SERVING');
  });

  it('refuses a port number out of range before binding', async () => {
    await expect(startGrpcServer({ fleet: new ScriptedFleetService().useCases, version: 'test', port: 70_000 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      field: 'port',
    });
  });
});
