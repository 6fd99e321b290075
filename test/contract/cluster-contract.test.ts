import { describe, expect, it } from 'vitest';
import { compareWithCluster, type ContractPackage, loadClusterContract, loadProjectProtos } from '../support/cluster-contract.js';

const cluster = loadClusterContract();
const ours = loadProjectProtos();

/** The cluster services this daemon serves (each package's every field must be ours, alike). */
const SERVED: readonly { package: string; service: string }[] = [
  { package: 'fleet.orchestrator.v1', service: 'OrchestratorService' },
  { package: 'fleet.planning.v2', service: 'PlanningService' },
  { package: 'fleet.storycoach.v1', service: 'StoryCoachService' },
  { package: 'fleet.task_derivation.v1', service: 'TaskDerivationPlanningService' },
  { package: 'fleet.context.v1', service: 'ContextService' },
];
const percent = (present: number, total: number): string => (total === 0 ? 0 : (100 * present) / total).toFixed(1);

describe('the API against the cluster contract (proto/cluster-contract.json)', () => {
  it('conflicts with the cluster nowhere, and defines every field of the cluster services it declares', () => {
    const report = compareWithCluster(cluster, ours);
    for (const p of report.packages) {
      console.log(
        `cluster contract: ${p.package}: ${p.presentFields}/${p.clusterFields} cluster fields present (${percent(p.presentFields, p.clusterFields)}%), ${p.conflicts} conflicts`,
      );
    }
    console.log(
      `cluster contract: ${report.presentFields}/${report.clusterFields} cluster fields of the declared services present (${percent(report.presentFields, report.clusterFields)}%), ${report.conflicts.length} conflicts`,
    );
    expect(report.conflicts).toEqual([]);
    expect(report.missing).toEqual([]);
    expect(report.clusterFields).toBeGreaterThan(0);
    expect(report.presentFields).toBe(report.clusterFields);
    // Each served package is covered (a service of it declared) and whole, not only the sum.
    expect(report.packages.map((p) => p.package).sort()).toEqual(expect.arrayContaining(SERVED.map((s) => s.package).sort()));
    for (const p of report.packages) {
      expect(p.clusterFields, p.package).toBeGreaterThan(0);
      expect(p.presentFields, p.package).toBe(p.clusterFields);
      expect(p.conflicts, p.package).toBe(0);
    }
  });

  it.each(SERVED)('declares $package.$service with every cluster rpc', ({ package: name, service: serviceName }) => {
    const service = ours.find((p) => p.package === name)?.services.find((s) => s.name === serviceName);
    const theirs = cluster.find((p) => p.package === name)!.services.find((s) => s.name === serviceName)!;
    expect(service?.rpcs.map((r) => r.name).sort()).toEqual(expect.arrayContaining(theirs.rpcs.map((r) => r.name).sort()));
  });

  // The comparison itself, on the real protos with one thing changed at a time: each kind of
  // drift the issue names must be reported.
  describe('reports each kind of drift', () => {
    /** The compiled orchestrator package, editable. */
    interface Draft {
      messages: { name: string; fields: Record<string, unknown>[] }[];
      services: { rpcs: ({ name: string } & Record<string, unknown>)[] }[];
      enums: { name: string; values: { name: string; number: number }[] }[];
    }
    const draft = (): Draft => structuredClone(ours.find((p) => p.package === 'fleet.orchestrator.v1')!) as unknown as Draft;
    const report = (p: Draft) => compareWithCluster(cluster, [p as unknown as ContractPackage]);
    const edit = (change: (p: Draft) => void): string => {
      const p = draft();
      change(p);
      return report(p).conflicts.join('\n');
    };
    const field = (p: Draft, message: string, name: string) =>
      p.messages.find((m) => m.name === message)!.fields.find((f) => f['name'] === name)!;
    const rpc = (p: Draft, name: string) => p.services[0]!.rpcs.find((r) => r.name === name)!;

    it('a field of another type under the cluster number', () => {
      expect(edit((p) => Object.assign(field(p, 'DeliberationUpdate', 'partial_result'), { type: 'int32' }))).toMatch(
        /DeliberationUpdate.*partial_result = 5.*type differ/,
      );
    });
    it('another name under the cluster number', () => {
      expect(edit((p) => Object.assign(field(p, 'OrchestrateRequest', 'options'), { name: 'rounds' }))).toMatch(
        /OrchestrateRequest.*name differ/,
      );
    });
    it('the cluster name under another number', () => {
      expect(edit((p) => Object.assign(field(p, 'OrchestrateResponse', 'execution_id'), { number: 30 }))).toMatch(
        /OrchestrateResponse.*execution_id.*number differ/,
      );
    });
    it('repeated and optional', () => {
      expect(edit((p) => Object.assign(field(p, 'CheckSuite', 'additional_checks'), { repeated: false }))).toMatch(/repeated differ/);
      expect(edit((p) => Object.assign(field(p, 'DeliberateRequest', 'rounds'), { optional: true }))).toMatch(/optional differ/);
    });
    it('a map where the cluster has a message', () => {
      expect(edit((p) => Object.assign(field(p, 'DeliberateResponse', 'metadata'), { type: 'map<string,string>' }))).toMatch(
        /DeliberateResponse.*OrchestratorMetadata metadata = 5.*map<string,string>/,
      );
    });
    it('a missing rpc, and a changed streaming or request type', () => {
      const without = edit((p) => {
        p.services[0]!.rpcs = p.services[0]!.rpcs.filter((r) => r.name !== 'DeliberateForBacklogReview');
      });
      expect(without).toContain('rpc DeliberateForBacklogReview is missing');
      expect(edit((p) => Object.assign(rpc(p, 'StreamDeliberation'), { server_streaming: false }))).toMatch(
        /StreamDeliberation.*server_streaming differ/,
      );
      expect(edit((p) => Object.assign(rpc(p, 'ProcessPlanningEvent'), { request: 'ProcessPlanningEventRequest' }))).toMatch(
        /ProcessPlanningEvent.*request differ/,
      );
    });
    it('an enum value renumbered', () => {
      const renumbered = edit((p) => {
        p.enums.find((e) => e.name === 'DeliberationStatus')!.values.find((v) => v.name === 'DELIBERATION_STATUS_TIMEOUT')!.number = 9;
      });
      expect(renumbered).toMatch(/DELIBERATION_STATUS_TIMEOUT = 5/);
    });
    it('a missing field lowers coverage', () => {
      const p = draft();
      const m = p.messages.find((x) => x.name === 'GetMetricsResponse')!;
      m.fields = m.fields.filter((f) => f['name'] !== 'councils');
      const r = report(p);
      expect(r.missing).toEqual(['GetMetricsResponse.councils']);
      expect(r.presentFields).toBe(r.clusterFields - 1);
    });
  });
});
