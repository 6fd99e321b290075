import { status } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeliberationStatus } from '../../../proto/gen/fleet/orchestrator/v1/orchestrator.js';
import { completedDeliberation, runningDeliberation } from './deliberation-fixture.js';
import { startHarness, type Harness } from './grpc-harness.js';

describe('gRPC Deliberate, Orchestrate and GetDeliberationResult', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(() => h.close());

  it('answers Deliberate with results ranked best first, the winner, duration and metadata', async () => {
    const response = await h.client.deliberate({ taskId: 'task-1', taskDescription: 'Add retries', role: 'DEV' });

    expect(response.taskId).toBe('task-1');
    expect(response.status).toBe(DeliberationStatus.DELIBERATION_STATUS_COMPLETED);
    expect(response.results.map((r) => r.rank)).toEqual([1, 2]);
    expect(response.winnerId).toBe('dev-1');
    expect(response.results[0]!.proposal!.authorId).toBe('dev-1');
    expect(response.results[0]!.score).toBeGreaterThan(response.results[1]!.score);
    expect(response.durationMs).toBe(1234);
    expect(response.metadata).toEqual({
      orchestratorVersion: 'test-version',
      timestampMs: response.metadata!.timestampMs,
      executionId: 'task-1',
      tags: { model: 'tiny.gguf', council_id: 'council-1', role: 'DEV', rounds: '1', num_agents: '2', status: 'COMPLETED', failures: '0' },
    });
    expect(response.metadata!.timestampMs).toBeGreaterThan(0);
    expect(response.detail).toMatchObject({ councilId: 'council-1', role: 'DEV', model: 'tiny.gguf', rounds: 1, orchestrated: false });
  });

  it('carries proposals, revisions, checks and the judge scores', async () => {
    const [best] = (await h.client.deliberate({ taskDescription: 'Add retries', role: 'DEV' })).results;
    const proposal = best!.proposal!;
    expect(proposal.content).toContain('Summary: Wrap the uploader in a capped retry loop.');
    expect(proposal.revisions).toHaveLength(1);
    expect(proposal.revisionHistory[0]).toMatchObject({ round: 1, critique: { reviewerId: 'dev-2', issues: ['no cap on retries'] } });
    expect(proposal.structured?.approach).toContain('jittered');
    expect(best!.checks).toMatchObject({ allPassed: expect.any(Boolean), requirementCoverage: 1 });
    expect(best!.checks!.additionalChecks.map((c) => c.checkType)).toEqual(['requirements_addressed', 'sections_present', 'length_bounds']);
    expect(best!.checks!.additionalChecks.map((c) => c.details['kind'])).toEqual(['policy', 'policy', 'lint']);
    // Policy is what a proposal must contain, lint its form; no tool runs yet, so no dry run.
    expect(best!.checks!.policy).toEqual({ passed: true, violations: [], message: '2 policy checks passed' });
    expect(best!.checks!.lint).toMatchObject({ passed: expect.any(Boolean), warningCount: 0 });
    expect(best!.checks!.lint!.errorCount).toBe(best!.checks!.lint!.errors.length);
    expect(best!.checks!.dryrun).toBeUndefined();
    expect(best!.criteria).toHaveLength(4);
    expect(best!.rubricScore).toBeCloseTo(0.9);
  });

  it('reports agent failures and the status of a deliberation that did not complete', async () => {
    h.fleet.runDeliberate = async () =>
      completedDeliberation({
        status: 'FAILED',
        results: [],
        winnerId: undefined,
        error: 'every agent failed to propose',
        failures: [{ agentId: 'dev-1', phase: 'propose', code: 'UNAVAILABLE', message: 'model crashed', atMs: 5, round: 0 }],
      });
    const response = await h.client.deliberate({ taskDescription: 'Add retries', role: 'DEV' });
    expect(response.status).toBe(DeliberationStatus.DELIBERATION_STATUS_FAILED);
    expect(response.errorMessage).toBe('every agent failed to propose');
    expect(response.detail!.failures).toEqual([
      { agentId: 'dev-1', phase: 'propose', code: 'UNAVAILABLE', message: 'model crashed', round: 0, atMs: 5 },
    ]);
    expect(response.metadata!.tags['failures']).toBe('1');
  });

  it('answers Orchestrate with the ARCHITECT choice, its rationale and every candidate', async () => {
    h.fleet.runOrchestrate = async () =>
      completedDeliberation({ decision: { chosenId: 'dev-2', rationale: 'simpler to ship', candidates: ['dev-1', 'dev-2'], raw: '{}' } });
    const response = await h.client.orchestrate({ taskId: 'orch-1', taskDescription: 'Add retries', role: 'DEV', topK: 2 });
    expect(h.fleet.commands.at(-1)).toMatchObject({ topK: 2 });
    expect(response.detail!.decision).toEqual({ chosenId: 'dev-2', rationale: 'simpler to ship', candidates: ['dev-1', 'dev-2'] });
    expect(response.winner?.proposal?.authorId).toBe('dev-2');
    expect(response.executionId).toBe(response.metadata!.executionId);
    expect(response.candidates.map((c) => c.proposal?.authorId)).toEqual(['dev-1', 'dev-2']);
  });

  it("reads the cluster's case_id as the story when story_id is empty, and story_id first when both come", async () => {
    await h.client.orchestrate({ taskDescription: 'Add retries', role: 'DEV', caseId: 'case-7' });
    expect(h.fleet.commands.at(-1)).toMatchObject({ storyId: 'case-7' });
    await h.client.orchestrate({ taskDescription: 'Add retries', role: 'DEV', caseId: 'case-7', storyId: 'story-8' });
    expect(h.fleet.commands.at(-1)).toMatchObject({ storyId: 'story-8' });
    await expect(h.client.orchestrate({ taskDescription: 'Add retries', role: 'DEV', caseId: 'bad id!' })).rejects.toMatchObject({
      details: expect.stringContaining('case_id'),
    });
  });

  it('reads OrchestratorOptions as the cluster does: sent bools switch peer review and the ARCHITECT off', async () => {
    await h.client.orchestrate({
      taskDescription: 'Add retries',
      role: 'DEV',
      storyId: 'story-9',
      planId: 'plan-9',
      options: { enablePeerReview: false, deliberationRounds: 3, enableArchitectSelection: false },
    });
    expect(h.fleet.commands.at(-1)).toMatchObject({
      peerReview: false,
      rounds: 3,
      architectSelection: false,
      storyId: 'story-9',
      planId: 'plan-9',
    });
    await h.client.orchestrate({ taskDescription: 'Add retries', role: 'DEV' });
    const defaults = h.fleet.commands.at(-1)!;
    expect(defaults).not.toHaveProperty('peerReview');
    expect(defaults).not.toHaveProperty('architectSelection');
    await expect(
      h.client.orchestrate({ taskDescription: 'Add retries', role: 'DEV', options: { enablePeerReview: true, deliberationRounds: 9 } }),
    ).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringContaining('options.deliberation_rounds') });
  });

  it('looks a deliberation up by task id, finished or not', async () => {
    h.fleet.deliberations.set('done-1', completedDeliberation({ taskId: 'done-1' }));
    h.fleet.deliberations.set('running-1', runningDeliberation({ taskId: 'running-1' }));

    const done = await h.client.getDeliberationResult({ taskId: 'done-1' });
    expect(done).toMatchObject({ taskId: 'done-1', status: DeliberationStatus.DELIBERATION_STATUS_COMPLETED, winnerId: 'dev-1' });
    expect(done.results).toHaveLength(2);

    const running = await h.client.getDeliberationResult({ taskId: 'running-1' });
    expect(running).toMatchObject({
      status: DeliberationStatus.DELIBERATION_STATUS_IN_PROGRESS,
      detail: { currentPhase: 'critique' },
      results: [],
    });
  });

  it('answers NOT_FOUND for an unknown task id', async () => {
    await expect(h.client.getDeliberationResult({ taskId: 'no-such-task' })).rejects.toMatchObject({
      code: status.NOT_FOUND,
      details: 'deliberation not found: no-such-task',
    });
  });
});
