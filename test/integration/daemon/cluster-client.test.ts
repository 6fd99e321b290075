import { status as GrpcStatus } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type ClusterClient, connectClusterClient } from '../../support/cluster-client.js';
import { type DaemonProcess, startDaemon, tempDataDir } from '../../support/fleet-process.js';

// The daemon (real llama.cpp on the tiny model, SQLite, gRPC) driven by a client built only from the
// cluster's contract: a cluster client pointed at this daemon must work unchanged.

type Json = Record<string, any>;

describe('a cluster client against the daemon', () => {
  const dataDir = tempDataDir();
  let daemon: DaemonProcess;
  let client: ClusterClient;

  beforeAll(async () => {
    daemon = await startDaemon(dataDir);
    client = connectClusterClient(`127.0.0.1:${daemon.port}`);
  });
  // The client decodes into plain objects; the assertions read them as such.
  const call = (rpc: string, request: Json): Promise<Json> => client.unary(rpc, request);
  afterAll(async () => {
    client.close();
    await daemon.stop();
  });

  const task = {
    task_description: 'Add retries to the artifact uploader',
    role: 'DEV',
    constraints: { rubric: 'correctness, clarity', requirements: ['retry with backoff'], timeout_seconds: 120 },
  };

  it('reads status and councils', async () => {
    const status = await call('GetStatus', { include_stats: true });
    expect(status).toMatchObject({ status: 'SERVING', stats: { active_councils: 5 } });
    const { councils } = await call('ListCouncils', { include_agents: true });
    expect((councils as Json[]).map((c) => c.role).sort()).toEqual(['ARCHITECT', 'DATA', 'DEV', 'DEVOPS', 'QA']);
    expect((councils as Json[])[0]!.agents).toHaveLength(3);
  });

  it('manages councils and agents by role, as the cluster does', async () => {
    expect(await call('DeleteCouncil', { role: 'DATA' })).toMatchObject({ success: true, agents_removed: 3 });
    const created = await call('CreateCouncil', {
      role: 'DATA',
      num_agents: 2,
      config: { deliberation_rounds: 1, enable_peer_review: true },
    });
    expect(created).toMatchObject({ agents_created: 2, agent_ids: ['data-1', 'data-2'] });
    expect(created.council_id).not.toBe('');
    expect(await call('RegisterAgent', { agent_id: 'data-x', role: 'DATA', capabilities: { languages: ['sql'] } })).toMatchObject({
      success: true,
      council_id: created.council_id,
    });
    expect(await call('UnregisterAgent', { agent_id: 'data-x', role: 'DATA' })).toMatchObject({ success: true });
  });

  it('deliberates, and finds the result again by task id', async () => {
    const response = await call('Deliberate', { ...task, task_id: 'cluster-1', rounds: 1, num_agents: 2 });
    expect(response.task_id).toBe('cluster-1');
    expect((response.results as Json[]).map((r) => r.rank)).toEqual([1, 2]);
    expect(response.winner_id).toBe(response.results[0].proposal.author_id);
    expect(response.metadata).toMatchObject({ execution_id: 'cluster-1', orchestrator_version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    expect(response.metadata.tags).toMatchObject({ role: 'DEV', num_agents: '2' });
    for (const r of response.results as Json[]) {
      expect(r.proposal.revisions).toHaveLength(1);
      expect(r.checks.policy).toMatchObject({ passed: expect.any(Boolean), message: expect.stringContaining('policy') });
      expect(r.checks.lint.error_count).toBe(r.checks.lint.errors.length);
      expect(r.checks.dryrun).toBeNull();
      expect((r.checks.additional_checks as Json[]).map((c) => c.check_type)).toEqual([
        'requirements_addressed',
        'sections_present',
        'length_bounds',
      ]);
      expect(r.checks.all_passed).toBe((r.checks.additional_checks as Json[]).every((c) => c.passed));
    }

    const stored = await call('GetDeliberationResult', { task_id: 'cluster-1' });
    expect(stored).toMatchObject({ task_id: 'cluster-1', status: 'DELIBERATION_STATUS_COMPLETED', winner_id: response.winner_id });
    expect(stored.results).toEqual(response.results);
  });

  it("streams with the cluster's DeliberationUpdate: statuses in order, progress rising to 100, partial results", async () => {
    const updates = await client.stream('StreamDeliberation', { ...task, task_id: 'cluster-stream-1', rounds: 1, num_agents: 2 });
    const statuses = updates.map((u) => u.status as string).filter((s, i, all) => i === 0 || all[i - 1] !== s);
    expect(statuses).toEqual(['generating', 'reviewing', 'scoring', 'complete']);
    const progress = updates.map((u) => u.progress_percent as number);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.at(-1)).toBe(100);
    expect(new Set(progress).size).toBeGreaterThan(3);
    expect(updates.map((u) => u.current_step)).toEqual(expect.arrayContaining(['propose', 'critique 1', 'revise 1', 'score']));
    expect(updates.some((u) => /^dev-\d$/.test(u.current_agent as string))).toBe(true);
    const partial = updates.filter((u) => u.partial_result !== null).map((u) => u.partial_result as Json);
    // Each of the two proposals as it is scored (rank 0, not ranked yet), then the winner.
    expect(partial.map((r) => r.rank)).toEqual([0, 0, 1]);
    expect(
      partial
        .slice(0, 2)
        .map((r) => r.proposal.author_id)
        .sort(),
    ).toEqual(['dev-1', 'dev-2']);
  });

  it('orchestrates with OrchestratorOptions honoured', async () => {
    const chosen = await call('Orchestrate', {
      ...task,
      task_id: 'cluster-orch-1',
      story_id: 'story-1',
      options: { enable_peer_review: true, deliberation_rounds: 1, enable_architect_selection: true },
    });
    expect(chosen.execution_id).toBe('cluster-orch-1');
    // The cluster's OrchestrateRequest has no agent count: the whole council takes part.
    expect(chosen.candidates).toHaveLength(3);
    expect((chosen.candidates as Json[]).map((c) => c.proposal.author_id)).toContain(chosen.winner.proposal.author_id);
    expect((chosen.candidates as Json[]).every((c) => c.proposal.revisions.length === 1)).toBe(true);

    // Peer review and the ARCHITECT both off: no revisions, and the best ranked stands.
    const plain = await call('Orchestrate', {
      ...task,
      task_id: 'cluster-orch-2',
      options: { enable_peer_review: false, enable_architect_selection: false },
    });
    expect((plain.candidates as Json[]).every((c) => c.proposal.revisions.length === 0)).toBe(true);
    expect(plain.winner).toEqual(plain.candidates[0]);
  });

  it('reports metrics with real numbers', async () => {
    const metrics = await call('GetMetrics', {});
    expect(metrics.performance.p50_latency_ms).toBeGreaterThan(0);
    expect(metrics.performance.p95_latency_ms).toBeGreaterThanOrEqual(metrics.performance.p50_latency_ms);
    expect(metrics.performance.p99_latency_ms).toBeGreaterThanOrEqual(metrics.performance.p95_latency_ms);
    expect(metrics.performance.avg_orchestration_ms).toBeGreaterThan(0);
    expect(metrics.agents).toMatchObject({ total_agents: 14, active_agents: 0, agents_per_role: { DEV: 3, DATA: 2 } });
    expect(metrics.agents.avg_agent_response_time_ms).toBeGreaterThan(0);
    expect(metrics.councils.total_councils).toBe(5);
    const health = Object.values(metrics.councils.health_per_council as Record<string, Json>);
    expect(health).toHaveLength(5);
    expect(health.every((h) => h.status === 'idle' && h.busy_agents === 0 && h.success_rate === 1)).toBe(true);

    const stats = (await call('GetStatus', { include_stats: true })).stats as Json;
    // Deliberate, StreamDeliberation and two Orchestrates; one of them with the ARCHITECT's selection.
    expect(stats).toMatchObject({ total_deliberations: 4, total_orchestrations: 1, role_counts: { DEV: 4 } });
    expect(stats.avg_deliberation_time_ms).toBeCloseTo(metrics.performance.avg_deliberation_ms, 6);
  });

  it("gets a story's context from GetTaskContext, and a clear error for an unknown story", async () => {
    await expect(call('GetTaskContext', { role: 'DEV' })).rejects.toMatchObject({
      code: GrpcStatus.INVALID_ARGUMENT,
      details: expect.stringContaining('story_id'),
    });
    await expect(call('GetTaskContext', { story_id: 'story-nope', role: 'DEV', phase: 'BUILD' })).rejects.toMatchObject({
      code: GrpcStatus.NOT_FOUND,
      details: expect.stringContaining('story-nope'),
    });
  });

  it('gets UNIMPLEMENTED naming what is missing from DeliberateForBacklogReview', async () => {
    await expect(call('DeliberateForBacklogReview', {})).rejects.toMatchObject({
      code: GrpcStatus.UNIMPLEMENTED,
      details: expect.stringMatching(/not implemented by this daemon: .+ not served yet/),
    });
  });
});
