import { afterAll, describe, expect, it } from 'vitest';

import { DeliberationStatus } from '../../../proto/gen/fleet/orchestrator/v1/orchestrator.js';
import { connectFleetClient } from '../../support/grpc-client.js';
import { startDaemon, startWorker, tempDataDir } from '../../support/fleet-process.js';

// How users outgrow one machine: the daemon serves no agent turns itself, a `fleet worker` process
// (here on the same machine, reached only through NATS) does them with its own model.

describe('a daemon whose agents run on a separate fleet worker', () => {
  const stops: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
  });

  it('deliberates with every turn served by the worker', async () => {
    const dataDir = tempDataDir();
    const daemon = await startDaemon(dataDir, ['--no-local-workers']);
    stops.push(() => daemon.stop());
    const worker = await startWorker(dataDir, ['--role', 'QA', '--role', 'ARCHITECT']);
    stops.push(() => worker.stop());
    const client = connectFleetClient(`127.0.0.1:${daemon.port}`);
    stops.push(async () => client.close());

    const response = await client.orchestrate({
      taskDescription: 'Test plan for the uploader retries',
      role: 'QA',
      numAgents: 2,
      topK: 2,
      options: { enablePeerReview: true, deliberationRounds: 1, enableArchitectSelection: true },
    });
    expect(response.status).toBe(DeliberationStatus.DELIBERATION_STATUS_COMPLETED);
    expect(response.candidates.length).toBeGreaterThan(0);
    expect(response.detail?.decision?.chosenId).toMatch(/^qa-/);

    // The worker stops cleanly on SIGTERM, handing back nothing because nothing is in hand.
    expect(await worker.stop()).toBe(0);
  });
});
