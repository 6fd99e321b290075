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
    const orchestrator = (): ContractPackage => structuredClone(ours.find((p) => p.package === 'fleet.orchestrator.v1')!);
    const edit = (change: (p: ContractPackage & { messages: { name: string; fields: Record<string, unknown>[] }[] }) => void): string[] => {
      const pkg = orchestrator() as never;
      change(pkg);
      return [...compareWithCluster(cluster, [pkg]).conflicts];
    };
    const field = (p: { messages: { name: string; fields: Record<string, unknown>[] }[] }, message: string, name: string) =>
      p.messages.find((m) => m.name === message)!.fields.find((f) => f.name === name)!;

    it('a field of another type under the cluster number', () => {
      const conflicts = edit((p) => Object.assign(field(p, 'DeliberationUpdate', 'partial_result'), { type: 'int32' }));
      expect(conflicts).toEqual([expect.stringMatching(/DeliberationUpdate.*partial_result = 5.*type differ/)]);
    });
    it('another name under the cluster number', () => {
      const conflicts = edit((p) => Object.assign(field(p, 'OrchestrateRequest', 'options'), { name: 'rounds' }));
      expect(conflicts.join('\n')).toMatch(/OrchestrateRequest.*name differ/);
    });
    it('the cluster name under another number', () => {
      const conflicts = edit((p) => Object.assign(field(p, 'OrchestrateResponse', 'execution_id'), { number: 30 }));
      expect(conflicts.join('\n')).toMatch(/OrchestrateResponse.*execution_id.*number differ/);
    });
    it('repeated and optional', () => {
      expect(edit((p) => Object.assign(field(p, 'CheckSuite', 'additional_checks'), { repeated: false })).join('\n')).toMatch(/repeated differ/);
      expect(edit((p) => Object.assign(field(p, 'DeliberateRequest', 'rounds'), { optional: true })).join('\n')).toMatch(/optional differ/);
    });
    it('a map where the cluster has a message', () => {
      const conflicts = edit((p) => Object.assign(field(p, 'DeliberateResponse', 'metadata'), { type: 'map<string,string>' }));
      expect(conflicts.join('\n')).toMatch(/DeliberateResponse.*OrchestratorMetadata metadata = 5.*map<string,string>/);
    });
    it('a missing rpc, and a changed streaming or request type', () => {
      const without = edit((p) => {
        const s = p.services[0] as { rpcs: { name: string }[] };
        s.rpcs = s.rpcs.filter((r) => r.name !== 'DeliberateForBacklogReview');
      });
      expect(without).toEqual([expect.stringContaining('rpc DeliberateForBacklogReview is missing')]);
      const unary = edit((p) => Object.assign((p.services[0] as { rpcs: { name: string }[] }).rpcs.find((r) => r.name === 'StreamDeliberation')!, { server_streaming: false }));
      expect(unary.join('\n')).toMatch(/StreamDeliberation.*server_streaming differ/);
      const request = edit((p) => Object.assign((p.services[0] as { rpcs: { name: string }[] }).rpcs.find((r) => r.name === 'ProcessPlanningEvent')!, { request: 'ProcessPlanningEventRequest' }));
      expect(request.join('\n')).toMatch(/ProcessPlanningEvent.*request differ/);
    });
    it('an enum value renumbered', () => {
      const conflicts = edit((p) => {
        const e = (p as unknown as ContractPackage).enums.find((x) => x.name === 'DeliberationStatus')! as { values: { name: string; number: number }[] };
        e.values.find((v) => v.name === 'DELIBERATION_STATUS_TIMEOUT')!.number = 9;
      });
      expect(conflicts.join('\n')).toMatch(/DELIBERATION_STATUS_TIMEOUT = 5/);
    });
    it('a missing field lowers coverage', () => {
      const pkg = orchestrator() as unknown as { messages: { name: string; fields: { name: string }[] }[] };
      const m = pkg.messages.find((x) => x.name === 'GetMetricsResponse')!;
      m.fields = m.fields.filter((f) => f.name !== 'councils');
      const report = compareWithCluster(cluster, [pkg as unknown as ContractPackage]);
      expect(report.missing).toEqual(['GetMetricsResponse.councils']);
      expect(report.presentFields).toBe(report.clusterFields - 1);
    });
  });
});
