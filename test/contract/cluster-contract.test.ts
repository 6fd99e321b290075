import { describe, expect, it } from 'vitest';
import { compareWithCluster, type ContractPackage, loadClusterContract, loadProjectProtos } from '../support/cluster-contract.js';

const cluster = loadClusterContract();
const ours = loadProjectProtos();

describe('the API against the cluster contract (proto/cluster-contract.json)', () => {
  it('conflicts with the cluster nowhere, and defines every field of the cluster services it declares', () => {
    const report = compareWithCluster(cluster, ours);
    const coverage = report.clusterFields === 0 ? 0 : (100 * report.presentFields) / report.clusterFields;
    console.log(
      `cluster contract: ${report.presentFields}/${report.clusterFields} cluster fields of the declared services present (${coverage.toFixed(1)}%), ${report.conflicts.length} conflicts`,
    );
    expect(report.conflicts).toEqual([]);
    expect(report.missing).toEqual([]);
    expect(report.clusterFields).toBeGreaterThan(0);
    expect(report.presentFields).toBe(report.clusterFields);
  });

  it('declares the orchestrator service with every cluster rpc', () => {
    const service = ours.find((p) => p.package === 'fleet.orchestrator.v1')?.services.find((s) => s.name === 'OrchestratorService');
    const theirs = cluster.find((p) => p.package === 'fleet.orchestrator.v1')!.services[0]!;
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
