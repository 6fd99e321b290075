import type { NatsConnection } from '@nats-io/transport-node';
import { afterEach } from 'vitest';
import {
  type AgentWorker,
  type AgentWorkerActivity,
  type AgentWorkerOptions,
  startAgentWorker,
} from '../../../core/adapters/nats/agent-turns/agent-worker.js';
import {
  createNatsAgentTurns,
  type NatsAgentTurns,
  type NatsAgentTurnsOptions,
} from '../../../core/adapters/nats/agent-turns/nats-agent-turns.js';
import { createFleet, type Fleet } from '../../../core/app/fleet.js';
import type { AgentTurns } from '../../../core/ports/agent-turns.js';
import { memoryStores, testClock } from '../../support/memory-stores.js';

/** Workers and requesters made by a test, stopped after it (workers first, so no turn is left waiting). */
export function useAgentTurns() {
  const workers: AgentWorker[] = [];
  const requesters: NatsAgentTurns[] = [];
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop()));
    await Promise.all(requesters.splice(0).map((t) => t.close()));
  });
  return {
    async worker(nc: NatsConnection, turns: AgentTurns, options: Partial<AgentWorkerOptions> = {}) {
      const activity: AgentWorkerActivity[] = [];
      const worker = await startAgentWorker({
        nc,
        turns,
        ackWaitMs: 2_000,
        stopGraceMs: 500,
        ...options,
        onActivity: (a) => {
          activity.push(a);
          options.onActivity?.(a);
        },
      });
      workers.push(worker);
      return { worker, activity };
    },
    requester(nc: NatsConnection, options: Partial<NatsAgentTurnsOptions> = {}) {
      const turns = createNatsAgentTurns({ nc, ...options });
      requesters.push(turns);
      return turns;
    },
  };
}

/** The real use case with in-memory stores, its agent turns on NATS. */
export async function fleetOn(turns: AgentTurns): Promise<Fleet> {
  const stores = memoryStores();
  const fleet = createFleet({ ...stores, turns, clock: testClock(), modelName: 'remote' });
  await fleet.start();
  fleet.deliberations.setServing(true);
  return fleet;
}
