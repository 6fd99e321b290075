import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClusterClient, type ClusterService, connectClusterClient } from '../../support/cluster-client.js';
import { loadClusterContract } from '../../support/cluster-contract.js';
import { startHarness, type Harness } from './grpc-harness.js';

// The cluster's planning, story coach, task derivation and context services, called by a client built
// from the contract JSON alone: each answers under the cluster's exact package, service and rpc names
// (a wrong name would be grpc-js's bare UNIMPLEMENTED, naming nothing), and says what is missing.

/** Each service, with one rpc called with a filled-in request (a map, a repeated, an optional). */
const SERVICES: readonly (ClusterService & { rpc: string; request: Record<string, unknown>; missing?: string })[] = [
  {
    package: 'fleet.planning.v2',
    service: 'PlanningService',
    rpc: 'StartPlanningCeremony',
    request: { ceremony_id: 'c1', definition_name: 'refinement', story_id: 's1', step_ids: ['a', 'b'], inputs: { goal: 'x' } },
    missing: 'ceremonies',
  },
  {
    package: 'fleet.storycoach.v1',
    service: 'StoryCoachService',
    // Every rpc of the story coach is served.
    rpc: 'ScoreStory',
    request: { title: 'Retry uploads', description: 'As a user...', ac: ['retries 3 times'] },
  },
  {
    package: 'fleet.task_derivation.v1',
    service: 'TaskDerivationPlanningService',
    // Every rpc of the task derivation service is served.
    rpc: 'CreateTasks',
    request: { commands: [{ plan_id: 'p1', story_id: 's1', title: 't', priority: 1 }] },
  },
  {
    package: 'fleet.context.v1',
    service: 'ContextService',
    // Every rpc of the context service is served.
    rpc: 'RehydrateSession',
    request: { case_id: 's1', roles: ['DEV', 'QA'], include_timeline: true },
  },
];

const contract = loadClusterContract();
const rpcsOf = (s: ClusterService): string[] =>
  contract
    .find((p) => p.package === s.package)!
    .services.find((x) => x.name === s.service)!
    .rpcs.map((r) => r.name);

describe('the cluster services beside the orchestrator', () => {
  let h: Harness;
  const clients = new Map<string, ClusterClient>();
  const client = (s: ClusterService): ClusterClient => clients.get(s.service)!;
  beforeAll(async () => {
    h = await startHarness();
    for (const s of SERVICES) clients.set(s.service, connectClusterClient(`127.0.0.1:${h.server.port}`, s));
  });
  afterAll(async () => {
    for (const c of clients.values()) c.close();
    await h.close();
  });

  it.each(SERVICES.filter((s) => s.missing !== undefined))(
    '$package.$service answers $rpc UNIMPLEMENTED, naming the rpc and what is missing',
    async (s) => {
      await expect(client(s).unary(s.rpc, s.request)).rejects.toMatchObject({
        code: status.UNIMPLEMENTED,
        details: expect.stringMatching(new RegExp(`^${s.rpc} is not implemented by this daemon: .*${s.missing ?? ''}`)),
      });
      expect(h.fleet.commands).toEqual([]);
    },
  );

  it.each(SERVICES)('$package.$service registers every cluster rpc under its cluster name', async (s) => {
    const rpcs = rpcsOf(s);
    expect(rpcs.length).toBeGreaterThan(0);
    for (const rpc of rpcs) {
      // Implemented or not, the rpc is ours: grpc-js's own UNIMPLEMENTED (an unknown path) names nothing.
      const answer = await client(s)
        .unary(rpc, {})
        .then(
          () => undefined,
          (e: { code: number; details: string }) => e,
        );
      if (answer?.code === status.UNIMPLEMENTED)
        expect(answer.details, rpc).toMatch(new RegExp(`^${rpc} is not implemented by this daemon: `));
    }
  });

  it.each(SERVICES)('health knows $package.$service', async (s) => {
    expect(await h.client.health(`${s.package}.${s.service}`)).toBe('SERVING');
  });
});
