import { describe, expect, it } from 'vitest';
import { useContextService } from './context-fixture.js';

const SECRET = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';

describe('the context service writes (Kuzu file), read back through the cached reader (SQLite file)', () => {
  const { setup } = useContextService();

  it('each write shows in the next read, announces context.updated, and keeps secrets out', async () => {
    const { writer, announced, reader } = await setup();
    await writer.createStory({ storyId: 's-1', title: 'Refund a card payment', description: `token ${SECRET}`, phase: 'DESIGN' });
    const first = await reader.build({ storyId: 's-1', role: 'DEV', phase: 'BUILD' });
    expect(first.context).toContain('Refund a card payment');
    expect(first.context).not.toContain(SECRET);

    const task = { storyId: 's-1', title: 'Call the gateway', description: '', role: 'DEV', priority: 1, estimatedHours: 3 } as const;
    await writer.createTask({ ...task, taskId: 't-1', dependencies: [] });
    await writer.createTask({ ...task, taskId: 't-2', title: 'Record the refund', dependencies: ['t-1'] });
    const withTasks = await reader.build({ storyId: 's-1', role: 'DEV', phase: 'BUILD' });
    expect(withTasks.context).toContain('Task t-2 [DEV, PENDING]: Record the refund');
    expect(withTasks.context).toContain('t-2 depends on t-1');

    const decisionId = await writer.addDecision({
      storyId: 's-1',
      type: 'ARCHITECTURE',
      title: 'Refunds go through the gateway',
      rationale: `it keeps one ledger; key ${SECRET}`,
      alternatives: 'a manual transfer',
      metadata: { role: 'DEV' },
    });
    const withDecision = await reader.build({ storyId: 's-1', role: 'DEV', phase: 'BUILD' });
    expect(withDecision.context).toContain(`Decision ${decisionId} (DEV, proposed): Refunds go through the gateway`);
    expect(withDecision.context).toContain('a manual transfer');
    expect(withDecision.context).not.toContain(SECRET);

    await writer.transitionPhase('s-1', 'DESIGN', 'BUILD');
    await expect(writer.transitionPhase('s-1', 'DESIGN', 'TEST')).rejects.toMatchObject({
      code: 'FAILED_PRECONDITION',
      field: 'from_phase',
    });
    expect(announced).toEqual([1001, 1002, 1003, 1004, 1005].map((v) => ({ story_id: 's-1', version: v })));
  });

  it('names the unknown story, the missing dependency, a story that exists and an empty title', async () => {
    const { writer } = await setup();
    const task = { storyId: 's-1', taskId: 't-1', title: 'x', description: '', role: 'DEV', priority: 1, estimatedHours: 1 } as const;
    await expect(writer.createTask({ ...task, dependencies: [] })).rejects.toMatchObject({ code: 'NOT_FOUND', field: 'story_id' });
    await expect(writer.transitionPhase('s-9', 'DESIGN', 'BUILD')).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining('s-9'),
    });
    await writer.createStory({ storyId: 's-1', title: 'Refunds', description: '', phase: 'DESIGN' });
    await expect(writer.createStory({ storyId: 's-1', title: 'Refunds', description: '', phase: 'DESIGN' })).rejects.toMatchObject({
      code: 'ALREADY_EXISTS',
    });
    await expect(writer.createTask({ ...task, dependencies: ['t-0'] })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      field: 'dependencies[0]',
      message: expect.stringContaining('t-0'),
    });
    await expect(
      writer.addDecision({ storyId: 's-1', type: '', title: ' ', rationale: '', alternatives: '', metadata: {} }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'title' });
  });
});
