import { status } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './grpc-harness.js';

describe('gRPC councils, agents, status and metrics', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(() => h.close());

  it('creates councils with defaults and lists them, agents only when asked', async () => {
    const created = await h.client.createCouncil({ role: 'qa' });
    expect(created).toMatchObject({ councilId: 'council-1', agentsCreated: 3, agentIds: ['qa-1', 'qa-2', 'qa-3'] });
    expect(created.council).toMatchObject({ role: 'QA', numAgents: 3, rounds: 1, peerReview: true, model: 'tiny.gguf' });

    await h.client.createCouncil({ role: 'DEV', numAgents: 2, config: { deliberationRounds: 2, enablePeerReview: false } });
    expect(h.fleet.councils.get('council-2')).toMatchObject({ rounds: 2, peerReview: false });
    // A sent config is read as the cluster reads it: its bool unset is false.
    await h.client.createCouncil({ role: 'DATA', config: { deliberationRounds: 0, modelProfile: 'any' } });
    expect(h.fleet.councils.get('council-3')).toMatchObject({ rounds: 1, peerReview: false });
    await h.client.deleteCouncil({ councilId: 'council-3' });

    const all = await h.client.listCouncils({});
    expect(all.councils.map((c) => c.role)).toEqual(['QA', 'DEV']);
    expect(all.councils[0]!.agents).toEqual([]);
    // council-1 has a deliberation running (the scripted status says so).
    expect(all.councils.map((c) => c.status)).toEqual(['busy', 'idle']);

    const dev = await h.client.listCouncils({ roleFilter: 'DEV', includeAgents: true });
    expect(dev.councils).toHaveLength(1);
    expect(dev.councils[0]!.agents.map((a) => a.agentId)).toEqual(['dev-1', 'dev-2']);
    expect(dev.councils[0]!.agents[0]!.perspective).not.toBe('');
  });

  it('deletes a council by id or by its role', async () => {
    await h.client.createCouncil({ role: 'QA' });
    await h.client.createCouncil({ role: 'DEV', numAgents: 2 });

    expect(await h.client.deleteCouncil({ role: 'DEV' })).toMatchObject({ success: true, councilId: 'council-2', agentsRemoved: 2 });
    expect(await h.client.deleteCouncil({ councilId: 'council-1' })).toMatchObject({ success: true, agentsRemoved: 3 });
    expect(h.fleet.councils.size).toBe(0);

    await expect(h.client.deleteCouncil({ councilId: 'council-1' })).rejects.toMatchObject({ code: status.NOT_FOUND });
    await expect(h.client.deleteCouncil({ role: 'ARCHITECT' })).rejects.toMatchObject({ code: status.NOT_FOUND });
  });

  it('refuses to guess when a role has several councils', async () => {
    await h.client.createCouncil({ role: 'DEV' });
    await h.client.createCouncil({ role: 'DEV' });
    await expect(h.client.deleteCouncil({ role: 'DEV' })).rejects.toMatchObject({
      code: status.FAILED_PRECONDITION,
      details: expect.stringContaining('council_id'),
    });
    expect(h.fleet.councils.size).toBe(2);
  });

  it('registers and unregisters agents', async () => {
    await h.client.createCouncil({ role: 'DEV', numAgents: 1 });

    expect(await h.client.registerAgent({ role: 'DEV' })).toMatchObject({ success: true, councilId: 'council-1', agentId: 'dev-2' });
    expect(await h.client.registerAgent({ councilId: 'council-1', agentId: 'dev-extra' })).toMatchObject({ agentId: 'dev-extra' });
    expect(h.fleet.councils.get('council-1')!.agents.map((a) => a.id)).toEqual(['dev-1', 'dev-2', 'dev-extra']);

    expect(await h.client.unregisterAgent({ role: 'DEV', agentId: 'dev-2' })).toMatchObject({ success: true });
    await expect(h.client.unregisterAgent({ role: 'DEV', agentId: 'dev-2' })).rejects.toMatchObject({ code: status.NOT_FOUND });
    await expect(h.client.registerAgent({ councilId: 'council-1', agentId: 'dev-extra' })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
    });
  });

  it('reports status, with stats only when asked, and metrics', async () => {
    await h.client.createCouncil({ role: 'DEV' });
    const brief = await h.client.getStatus({});
    expect(brief).toMatchObject({ status: 'SERVING', uptimeSeconds: 12, model: 'tiny.gguf' });
    expect(brief.stats).toBeUndefined();

    const full = await h.client.getStatus({ includeStats: true });
    expect(full.stats).toEqual({
      totalDeliberations: 8,
      totalOrchestrations: 2,
      avgDeliberationTimeMs: 1500.5,
      activeCouncils: 1,
      roleCounts: { DEV: 6, QA: 2 },
      runningDeliberations: 1,
      completedDeliberations: 5,
      failedDeliberations: 2,
    });

    expect(await h.client.getMetrics({})).toEqual({
      performance: {
        avgDeliberationMs: 1500.5,
        avgOrchestrationMs: 2100,
        p50LatencyMs: 1400,
        p95LatencyMs: 2900,
        p99LatencyMs: 3100,
        deliberationsTotal: 8,
        deliberationsCompleted: 5,
        deliberationsFailed: 2,
        deliberationsRunning: 1,
      },
      agents: {
        totalAgents: 15,
        activeAgents: 3,
        agentsPerRole: { DEV: 3, QA: 3, ARCHITECT: 3, DEVOPS: 3, DATA: 3 },
        avgAgentResponseTimeMs: 210.5,
        turnsTotal: 40,
        turnsFailed: 3,
        completionTokensTotal: 12_345,
      },
      councils: {
        totalCouncils: 2,
        activeCouncils: 1,
        healthPerCouncil: {
          'council-1': { status: 'busy', availableAgents: 0, busyAgents: 3, successRate: 0.75 },
          'council-2': { status: 'idle', availableAgents: 3, busyAgents: 0, successRate: 1 },
        },
      },
    });
  });

  it('narrows metrics by type and time range, and names a bad one', async () => {
    const before = Date.now();
    const agentsOnly = await h.client.getMetrics({ metricType: 'agents', timeRangeMs: 60_000 });
    expect(agentsOnly.performance).toBeUndefined();
    expect(agentsOnly.councils).toBeUndefined();
    expect(agentsOnly.agents?.totalAgents).toBe(15);
    const since = h.fleet.metricsQueries.at(-1)!.sinceMs!;
    expect(since).toBeGreaterThanOrEqual(before - 60_000);
    expect(since).toBeLessThanOrEqual(Date.now() - 60_000);
    await expect(h.client.getMetrics({ metricType: 'latency' })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringContaining('metric_type'),
    });
    await expect(h.client.getMetrics({ timeRangeMs: -5 })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringContaining('time_range_ms'),
    });
  });

  it('answers the backlog review UNIMPLEMENTED, and task context FAILED_PRECONDITION without a graph, naming what is missing', async () => {
    await expect(h.client.deliberateForBacklogReview({ taskDescription: 'x', role: 'DEV' })).rejects.toMatchObject({
      code: status.UNIMPLEMENTED,
      details: expect.stringContaining('planning service'),
    });
    await expect(h.client.getTaskContext({ taskId: 't' })).rejects.toMatchObject({
      code: status.FAILED_PRECONDITION,
      details: expect.stringContaining('context graph'),
    });
    await expect(h.client.deriveSubtasks({ planId: 'p' })).rejects.toMatchObject({ details: expect.stringContaining('task derivation') });
  });
});
