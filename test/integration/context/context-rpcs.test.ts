import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { memoryGraph } from '../../support/memory-graph.js';
import { useContextService } from './context-fixture.js';

describe('the context service over gRPC: writes, reads, bad input named', () => {
  const { serve: serveOn } = useContextService();
  const serve = () => serveOn(memoryGraph());

  it('each write rpc, then GetContext shows what it wrote', async () => {
    const { client, announced } = await serve();
    expect(
      await client.unary('CreateStory', { story_id: 's-1', title: 'Refund a card payment', description: 'Card refunds' }),
    ).toMatchObject({
      story_id: 's-1',
      context_id: 's-1',
      current_phase: 'DESIGN',
    });
    expect(
      await client.unary('CreateTask', { story_id: 's-1', task_id: 't-1', title: 'Call the gateway', role: 'DEV', priority: 1 }),
    ).toMatchObject({
      task_id: 't-1',
      status: 'PENDING',
    });
    const { decision_id: decisionId } = (await client.unary('AddProjectDecision', {
      story_id: 's-1',
      decision_type: 'ARCHITECTURE',
      title: 'Refunds go through the gateway',
      rationale: 'one ledger',
      metadata: { role: 'DEV' },
    })) as { decision_id: string };
    expect(await client.unary('TransitionPhase', { story_id: 's-1', from_phase: 'DESIGN', to_phase: 'BUILD' })).toMatchObject({
      story_id: 's-1',
      current_phase: 'BUILD',
    });
    const read = (await client.unary('GetContext', { story_id: 's-1', role: 'DEV', phase: 'BUILD' })) as { context: string };
    expect(read.context).toContain('Refund a card payment');
    expect(read.context).toContain('Task t-1 [DEV, PENDING]: Call the gateway');
    expect(read.context).toContain(`Decision ${decisionId} (DEV, proposed): Refunds go through the gateway`);
    expect(announced).toHaveLength(4);
  });

  it('names the unknown id and the bad field', async () => {
    const { client } = await serve();
    await client.unary('CreateStory', { story_id: 's-1', title: 'Refunds' });
    const refused = (rpc: string, request: Record<string, unknown>, code: status, named: string) =>
      expect(client.unary(rpc, request)).rejects.toMatchObject({ code, details: expect.stringContaining(named) });
    await refused('CreateTask', { story_id: 's-9', task_id: 't-1', title: 'x', role: 'DEV' }, status.NOT_FOUND, 's-9');
    await refused(
      'CreateTask',
      { story_id: 's-1', task_id: 't-1', title: 'x', role: 'DEV', dependencies: ['t-0'] },
      status.NOT_FOUND,
      't-0',
    );
    await refused('CreateTask', { story_id: 's-1', task_id: 't-1', title: 'x', role: 'CHEF' }, status.INVALID_ARGUMENT, 'role');
    await refused('AddProjectDecision', { story_id: 's-9', title: 'x' }, status.NOT_FOUND, 's-9');
    await refused('TransitionPhase', { story_id: 's-1', from_phase: 'DESIGN', to_phase: 'LAUNCH' }, status.INVALID_ARGUMENT, 'to_phase');
    await refused('TransitionPhase', { story_id: 's-1', from_phase: 'TEST', to_phase: 'BUILD' }, status.FAILED_PRECONDITION, 'from_phase');
    await refused('CreateStory', { story_id: 's-2', title: 'x', initial_phase: 'NOPE' }, status.INVALID_ARGUMENT, 'initial_phase');
    await refused(
      'GetContext',
      { story_id: 's-1', role: 'DEV', phase: 'BUILD', token_budget: -1 },
      status.INVALID_ARGUMENT,
      'token_budget',
    );
    await refused('GetContext', { story_id: 's-1', role: 'DEV', phase: 'LAUNCH' }, status.INVALID_ARGUMENT, 'phase');
    await refused('GetContext', { story_id: 's-9', role: 'DEV', phase: 'BUILD' }, status.NOT_FOUND, 's-9');
  });
});
