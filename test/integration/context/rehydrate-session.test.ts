import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { REDACTED } from '../../../core/domain/context-policy.js';
import { useContextService } from './context-fixture.js';

const SECRET = 'sk-live-4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c';

interface Pack {
  role: string;
  case_header: { case_id: string; title: string; description: string };
  subtasks: { subtask_id: string; role: string; dependencies: string[] }[];
  decisions: { id: string; title: string; rationale: string }[];
  token_budget_hint: number;
}
interface Answer {
  case_id: string;
  packs: Record<string, Pack>;
  stats: { decisions: number; roles: string[] };
}

// RehydrateSession through gRPC over a real Kuzu file: what the write rpcs put in the graph comes back
// as one structured pack per role, scoped by the role's policy, redacted, with its budget.
describe('RehydrateSession', () => {
  const { serve } = useContextService();

  it('gives each role its pack: its scope of the subtasks and decisions, no secret, its budget', async () => {
    const { client } = await serve();
    await client.unary('CreateStory', { story_id: 's-1', title: 'Refund a card payment', description: `Gateway key ${SECRET}` });
    await client.unary('CreateTask', { story_id: 's-1', task_id: 't-dev', title: 'Call the gateway', role: 'DEV', priority: 1 });
    await client.unary('CreateTask', {
      story_id: 's-1',
      task_id: 't-qa',
      title: 'Test partial refunds',
      role: 'QA',
      priority: 2,
      dependencies: ['t-dev'],
    });
    await client.unary('AddProjectDecision', {
      story_id: 's-1',
      title: 'Refunds go through the gateway',
      rationale: `one ledger; password=${SECRET}`,
      metadata: { role: 'QA' },
    });

    const answer = (await client.unary('RehydrateSession', { case_id: 's-1', roles: ['DEV', 'QA', 'ARCHITECT'] })) as unknown as Answer;
    expect(answer.case_id).toBe('s-1');
    expect(Object.keys(answer.packs).sort()).toEqual(['ARCHITECT', 'DEV', 'QA']);
    expect(answer.stats.roles).toEqual(['DEV', 'QA', 'ARCHITECT']);
    const { DEV: dev, QA: qa, ARCHITECT: architect } = answer.packs;
    // DEV builds: its own subtask only; QA reviews: all of them, with what they wait for.
    expect(dev!.subtasks.map((t) => t.subtask_id)).toEqual(['t-dev']);
    expect(qa!.subtasks.map((t) => [t.subtask_id, t.dependencies])).toEqual([
      ['t-qa', ['t-dev']],
      ['t-dev', []],
    ]);
    expect(qa!.decisions.map((d) => d.title)).toEqual(['Refunds go through the gateway']);
    expect(architect!.token_budget_hint).toBe(8192);
    expect(dev!.token_budget_hint).toBe(4096);
    expect(dev!.case_header).toMatchObject({ case_id: 's-1', title: 'Refund a card payment' });
    expect(JSON.stringify(answer)).not.toContain(SECRET);
    expect(qa!.decisions[0]!.rationale).toContain(REDACTED);
  });

  it('names the unknown story and the bad field', async () => {
    const { client } = await serve();
    await client.unary('CreateStory', { story_id: 's-1', title: 'Refunds' });
    const refused = (request: Record<string, unknown>, code: status, named: string) =>
      expect(client.unary('RehydrateSession', request)).rejects.toMatchObject({ code, details: expect.stringContaining(named) });
    await refused({ case_id: 's-9', roles: ['DEV'] }, status.NOT_FOUND, 's-9');
    await refused({ case_id: 's-1', roles: ['DEV', 'CHEF'] }, status.INVALID_ARGUMENT, 'roles[1]');
    await refused({ case_id: 's-1', roles: ['DEV'], timeline_events: -1 }, status.INVALID_ARGUMENT, 'timeline_events');
    await refused({ case_id: '', roles: ['DEV'] }, status.INVALID_ARGUMENT, 'case_id');
  });
});
