import { status } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { HealthCheckResponse_ServingStatus as Serving, type HealthCheckResponse } from '../../../proto/gen/grpc/health/v1/health.js';
import { startHarness, type Harness } from './grpc-harness.js';

const ORCHESTRATOR = 'fleet.orchestrator.v1.OrchestratorService';

describe('gRPC health', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('is NOT_SERVING until the daemon says it is ready, then SERVING', async () => {
    h = await startHarness({ serving: false });
    expect(await h.client.health()).toBe('NOT_SERVING');
    expect(await h.client.health(ORCHESTRATOR)).toBe('NOT_SERVING');

    h.server.setServing(true);
    expect(await h.client.health()).toBe('SERVING');
    expect(await h.client.health(ORCHESTRATOR)).toBe('SERVING');
  });

  it('answers NOT_FOUND for a service it does not host', async () => {
    h = await startHarness();
    await expect(h.client.health('no.such.Service')).rejects.toMatchObject({ code: status.NOT_FOUND });
  });

  it('tells watchers NOT_SERVING when stopping, stays so, then ends their stream', async () => {
    h = await startHarness();
    const seen: Serving[] = [];
    const watch = h.client.healthClient.watch({ service: '' });
    const ended = new Promise<void>((resolve) => {
      watch.on('data', (r: HealthCheckResponse) => seen.push(r.status));
      watch.on('end', resolve);
      watch.on('error', () => resolve());
    });
    await new Promise<void>((resolve) => watch.once('data', () => resolve()));

    const stopping = h.server.stop();
    h.server.setServing(true); // too late: a stopping server stays NOT_SERVING
    await stopping;
    await ended;
    expect(seen).toEqual([Serving.SERVING, Serving.NOT_SERVING]);
  });
});
