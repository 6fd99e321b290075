import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { useContextService } from './context-fixture.js';

const SECRET = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';

type Updated = {
  version: number;
  hash: string;
  warnings: string[];
};

const change = (operation: string, entity_type: string, entity_id: string, payload: unknown) => ({
  operation,
  entity_type,
  entity_id,
  payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  reason: 'found while building',
});

describe('UpdateContext over gRPC, on a Kuzu file, read back through the SQLite-cached reader', () => {
  const { serve } = useContextService();

  async function story() {
    const served = await serve();
    await served.client.unary('CreateStory', { story_id: 's-1', title: 'Refund a card payment' });
    await served.client.unary('CreateTask', { story_id: 's-1', task_id: 't-1', title: 'Call the gateway', role: 'DEV' });
    const read = async (role = 'DEV') =>
      ((await served.client.unary('GetContext', { story_id: 's-1', role, phase: 'BUILD' })) as { context: string }).context;
    const update = async (changes: unknown[], role = 'ARCHITECT') =>
      (await served.client.unary('UpdateContext', { story_id: 's-1', task_id: 't-1', role, changes })) as Updated;
    return { ...served, read, update };
  }

  it('applies decisions and subtasks in order, in the schema GetContext reads, with one context.updated', async () => {
    const { read, update, announced } = await story();
    const first = await update([
      change('CREATE', 'DECISION', 'd-1', {
        title: 'Refunds go through the gateway',
        rationale: `one ledger; the key is ${SECRET}`,
        alternatives: 'a manual transfer',
      }),
      change('CREATE', 'MILESTONE', 'm-1', { decision_id: 'd-1', title: `Refund path agreed with ${SECRET}` }),
      change('CREATE', 'SUBTASK', 't-2', { title: 'Record the refund', description: 'in the ledger', dependencies: ['t-1'], priority: 2 }),
      change('CREATE', 'SUBTASK', 't-3', { title: 'Tell the customer', role: 'QA', dependencies: ['t-2'], owner: 'ana' }),
      change('UPDATE', 'SUBTASK', 't-1', { status: 'DONE' }),
    ]);
    expect(first.warnings).toEqual([expect.stringMatching(/^changes\[3\]\.payload: ignored owner \(a SUBTASK has title, /)]);
    expect(first.hash).toMatch(/^[0-9a-f]{16}$/);
    expect(announced).toHaveLength(3);

    const context = await read('ARCHITECT');
    expect(context).toContain('Decision d-1 (ARCHITECT, proposed): Refunds go through the gateway');
    expect(context).toContain('Alternatives:\na manual transfer');
    expect(context).not.toContain(SECRET);
    expect(context).toContain('Task t-2 [ARCHITECT, PENDING]: Record the refund — in the ledger');
    expect(context).toContain('Task t-3 [QA, PENDING]: Tell the customer');
    expect(context).toContain('Task t-1 [DEV, DONE]: Call the gateway');
    expect(context).toContain('t-2 depends on t-1');
    expect(context).toContain('t-3 depends on t-2');
    expect(context).toMatch(/\n- \S+ deliberation m-1 \(ARCHITECT\): reached — Refund path agreed with \S+$/m);

    // Another role's update keeps the author and the rationale it does not name.
    const second = await update([change('UPDATE', 'DECISION', 'd-1', { status: 'accepted', alternatives: 'none left' })], 'DEV');
    expect(second.version).toBeGreaterThan(first.version);
    expect(second.hash).not.toBe(first.hash);
    const after = await read('ARCHITECT');
    expect(after).toContain('Decision d-1 (ARCHITECT, accepted): Refunds go through the gateway\nWhy: one ledger');
    expect(after).toContain('Alternatives:\nnone left');
    expect(after).not.toContain(SECRET);
  });

  it('answers a DELETE and a kind the graph lacks with warnings naming the change, and changes nothing', async () => {
    const { read, update, announced } = await story();
    const before = await read();
    const answered = await update([
      change('DELETE', 'SUBTASK', 't-1', ''),
      change('CREATE', 'RISK', 'r-1', { title: 'fraud' }),
      change('UPDATE', 'MILESTONE', 'm-1', { title: 'moved' }),
    ]);
    expect(answered.warnings).toEqual([
      expect.stringMatching(/^changes\[0\]: DELETE SUBTASK t-1 not applied: .*history/),
      expect.stringMatching(/^changes\[1\]: CREATE RISK r-1 not applied/),
      expect.stringMatching(/^changes\[2\]: UPDATE MILESTONE m-1 not applied/),
    ]);
    expect(await read()).toBe(before);
    expect(announced).toHaveLength(2);
  });

  it('refuses a request with a bad change, naming it, and writes none of its changes', async () => {
    const { read, update, announced, client, graph } = await story();
    const before = await read();
    const good = change('CREATE', 'DECISION', 'd-1', { title: 'Refunds go through the gateway' });
    const refused = (changes: unknown[], code: status, named: string, role = 'ARCHITECT') =>
      expect(update(changes, role)).rejects.toMatchObject({ code, details: expect.stringContaining(named) });
    await refused(
      [good, change('CREATE', 'SUBTASK', 't-2', '[1, 2]')],
      status.INVALID_ARGUMENT,
      'changes[1].payload: expected a JSON object',
    );
    await refused(
      [good, change('CREATE', 'SUBTASK', 't-2', '{title')],
      status.INVALID_ARGUMENT,
      'changes[1].payload: expected a JSON object',
    );
    await refused(
      [good, change('CREATE', 'SUBTASK', 't-2', { title: 'x', priority: -1 })],
      status.INVALID_ARGUMENT,
      'changes[1].payload.priority',
    );
    await refused(
      [good, change('CREATE', 'SUBTASK', 't-2', { description: 'no title' })],
      status.INVALID_ARGUMENT,
      'changes[1].payload.title',
    );
    await refused([good, change('RENAME', 'SUBTASK', 't-1', {})], status.INVALID_ARGUMENT, 'changes[1].operation');
    await refused([good, change('UPDATE', 'SUBTASK', ' ', {})], status.INVALID_ARGUMENT, 'changes[1].entity_id');
    // Refused by the graph, after the first change was checked: still nothing written.
    await refused([good, change('UPDATE', 'DECISION', 'd-9', { status: 'accepted' })], status.NOT_FOUND, 'd-9');
    await refused([good, change('CREATE', 'SUBTASK', 't-2', { title: 'x', dependencies: ['t-0'] })], status.NOT_FOUND, 't-0');
    await refused([good, change('CREATE', 'SUBTASK', 't-1', { title: 'again' })], status.ALREADY_EXISTS, 't-1');
    await refused([good, change('CREATE', 'MILESTONE', 'm-1', { title: 'x', decision_id: 'd-9' })], status.NOT_FOUND, 'd-9');
    await refused([good, change('CREATE', 'MILESTONE', 'm-1', { title: 'x' })], status.INVALID_ARGUMENT, 'changes[1].payload.decision_id');
    await refused([good], status.INVALID_ARGUMENT, 'role', 'CHEF');
    await expect(client.unary('UpdateContext', { story_id: 's-9', role: 'DEV', changes: [good] })).rejects.toMatchObject({
      code: status.NOT_FOUND,
      details: expect.stringContaining('s-9'),
    });
    expect(await graph.node({ kind: 'Decision', id: 'd-1' })).toBeUndefined();
    expect(await read()).toBe(before);
    expect(announced).toHaveLength(2);
  });
});
