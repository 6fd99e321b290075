import { status, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { collectStream } from '../../support/grpc-client.js';
import { startHarness, type Harness } from './grpc-harness.js';

const VALID = { taskDescription: 'Add retries to the uploader', role: 'DEV' };

describe('gRPC request validation', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());
  beforeEach(() => {
    h.fleet.commands.length = 0;
  });

  const rejects = async (call: Promise<unknown>, field: string): Promise<void> => {
    const error = (await call.then(
      () => expect.fail('expected INVALID_ARGUMENT'),
      (e: unknown) => e,
    )) as ServiceError;
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.details.startsWith(`${field}:`)).toBe(true);
  };

  it.each([
    ['task_description', { ...VALID, taskDescription: '' }],
    ['task_description', { ...VALID, taskDescription: '   \n ' }],
    ['role', { ...VALID, role: 'WIZARD' }],
    ['role', { ...VALID, role: '' }],
    ['num_agents', { ...VALID, numAgents: 9 }],
    ['num_agents', { ...VALID, numAgents: -1 }],
    ['rounds', { ...VALID, rounds: 6 }],
    ['rounds', { ...VALID, rounds: -1 }],
    ['task_id', { ...VALID, taskId: 'has spaces' }],
    ['task_id', { ...VALID, taskId: 'x'.repeat(129) }],
    ['constraints.timeout_seconds', { ...VALID, constraints: { timeoutSeconds: -5 } }],
    ['constraints.max_tokens', { ...VALID, constraints: { maxTokens: 1_000_000 } }],
    ['task_description', { ...VALID, taskDescription: 'x'.repeat(20_001) }],
    ['constraints.requirements', { ...VALID, constraints: { requirements: Array.from({ length: 10_000 }, (_, i) => `requirement ${i}`) } }],
    ['constraints.requirements[1]', { ...VALID, constraints: { requirements: ['fine', 'y'.repeat(501)] } }],
    ['constraints.rubric', { ...VALID, constraints: { rubric: 'z'.repeat(3 * 1024 * 1024) } }],
    ['constraints.rubric', { ...VALID, constraints: { rubric: Array.from({ length: 17 }, (_, i) => `criterion ${i}`).join(',') } }],
    ['constraints.rubric', { ...VALID, constraints: { rubric: `clarity, ${'w'.repeat(81)}` } }],
  ])('Deliberate rejects a bad %s without reaching the core', async (field, request) => {
    await rejects(h.client.deliberate(request), field);
    expect(h.fleet.commands).toEqual([]);
  });

  it('names the field in Orchestrate too, including top_k', async () => {
    await rejects(h.client.orchestrate({ ...VALID, numAgents: 20 }), 'num_agents');
    await rejects(h.client.orchestrate({ ...VALID, topK: 99 }), 'top_k');
    expect(h.fleet.commands).toEqual([]);
  });

  it('rejects a bad StreamDeliberation request with the same field names', async () => {
    await expect(collectStream(h.client.streamDeliberation({ ...VALID, role: 'WIZARD' }))).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringMatching(/^role:/),
    });
    await expect(collectStream(h.client.streamDeliberation({}))).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringMatching(/^task_id:/),
    });
  });

  it('rejects bad task ids, roles and counts in the other rpcs', async () => {
    await rejects(h.client.getDeliberationResult({ taskId: '' }), 'task_id');
    await rejects(h.client.getDeliberationResult({ taskId: '../etc/passwd' }), 'task_id');
    await rejects(h.client.createCouncil({ role: 'CHEF', numAgents: 3 }), 'role');
    await rejects(h.client.createCouncil({ role: 'QA', numAgents: 9 }), 'num_agents');
    await rejects(h.client.createCouncil({ role: 'QA', config: { deliberationRounds: 7 } }), 'config.deliberation_rounds');
    await rejects(h.client.listCouncils({ roleFilter: 'CHEF' }), 'role_filter');
    await rejects(h.client.deleteCouncil({}), 'council_id');
    await rejects(h.client.registerAgent({ role: 'DEV', agentId: 'bad id' }), 'agent_id');
    await rejects(h.client.unregisterAgent({ role: 'DEV' }), 'agent_id');
  });

  it('turns valid input into a domain command: defaults for 0/empty, rubric split, role normalised', async () => {
    await h.client.deliberate({
      taskId: 'story-7:dev',
      taskDescription: '  Add retries  ',
      role: 'dev',
      constraints: {
        rubric: 'correctness, clarity\nsecurity,,correctness',
        requirements: ['retry with backoff', '  '],
        timeoutSeconds: 30,
        maxTokens: 256,
        maxIterations: 4,
      },
    });
    await h.client.deliberate({ ...VALID, rounds: 0, numAgents: 2, enablePeerReview: false });
    await h.client.deliberate({ ...VALID, rounds: 2 });
    await h.client.deliberate(VALID);

    expect(h.fleet.commands).toEqual([
      {
        taskId: 'story-7:dev',
        description: 'Add retries',
        role: 'DEV',
        rubric: ['correctness', 'clarity', 'security'],
        requirements: ['retry with backoff'],
        timeoutMs: 30_000,
        maxTokens: 256,
      },
      // rounds 0 is the council's default; no review at all is asked for with enable_peer_review=false.
      { description: VALID.taskDescription, role: 'DEV', numAgents: 2, peerReview: false },
      { description: VALID.taskDescription, role: 'DEV', rounds: 2 },
      { description: VALID.taskDescription, role: 'DEV' },
    ]);
  });
});
