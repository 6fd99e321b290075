import { describe, expect, it } from 'vitest';
import { ContextBuilder, ContextProjector } from '../../../core/app/context.js';
import { ContextPacks } from '../../../core/app/context-packs.js';
import type { Deliberation } from '../../../core/domain/deliberation.js';
import type { Role } from '../../../core/domain/role.js';
import { completedDeliberation } from '../../integration/grpc/deliberation-fixture.js';
import { memoryGraph } from '../../support/memory-graph.js';

const SECRET = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';
// A word-count stand-in for a tokenizer: unit tests need a count, the integration tests use the model's.
const words = (text: string): number => text.split(/\s+/).filter((w) => w !== '').length;

function decided(taskId: string, role: Role, at: number): Deliberation {
  const d = completedDeliberation({ taskId, role, finishedAtMs: at });
  return { ...d, task: { ...d.task, id: taskId, storyId: 's-1', description: `Design the ${role} side of refunds` } };
}

async function storyGraph() {
  const graph = memoryGraph();
  const projector = new ContextProjector(graph);
  await projector.project({
    id: 'p-1',
    name: 'Payments',
    description: '',
    status: 'active',
    owner: 'po',
    rigor: 'L1',
    createdAtMs: 1,
    updatedAtMs: 1,
  });
  await projector.epic({
    id: 'e-1',
    projectId: 'p-1',
    title: 'Refunds',
    description: '',
    status: 'active',
    createdAtMs: 2,
    updatedAtMs: 2,
  });
  await projector.story({
    id: 's-1',
    epicId: 'e-1',
    title: 'Refund a card payment',
    brief: `As a clerk I want refunds so that customers are paid back. The gateway token is ${SECRET}.`,
    state: 'READY_FOR_PLANNING',
    dorScore: 90,
    createdBy: 'po',
    createdAtMs: 3,
    updatedAtMs: 3,
  });
  for (const [id, role] of [
    ['t-dev', 'DEV'],
    ['t-qa', 'QA'],
  ] as const) {
    await projector.task({
      id,
      storyId: 's-1',
      planId: 'plan-1',
      title: `${role} work`,
      description: '',
      type: role,
      status: 'todo',
      assignedTo: '',
      estimatedHours: 1,
      priority: 1,
      createdAtMs: 4,
      updatedAtMs: 4,
    });
  }
  await projector.plan('s-1', 'plan-1', ['DEV', 'QA'], 5, 'po@example.com');
  const dev = await projector.decision(decided('plan-plan-1-DEV', 'DEV', 10));
  const qa = await projector.decision(decided('plan-plan-1-QA', 'QA', 11));
  return { graph, projector, dev: dev!, qa: qa! };
}

describe('the context of a story', () => {
  it("gives QA the story, the plan, every task and both roles' decisions, with the secret redacted", async () => {
    const { graph, dev, qa } = await storyGraph();
    const built = await new ContextBuilder(graph, words).build({ storyId: 's-1', role: 'QA', phase: 'BUILD' });
    expect(built.context).toContain('Refund a card payment');
    expect(built.context).toContain('Plan plan-1');
    expect(built.context).toContain('Task t-dev');
    expect(built.context).toContain(`Decision ${dev}`);
    expect(built.context).toContain(`Decision ${qa}`);
    expect(built.context).not.toContain(SECRET);
    expect(built.context).toContain('[REDACTED]');
    expect(built.tokenCount).toBeLessThanOrEqual(4096);
    expect(built.scopes).toContain('DECISIONS_ALL');
  });

  it('shows DEV in BUILD only its own tasks and decisions (the scope policy hides the rest)', async () => {
    const { graph, dev, qa } = await storyGraph();
    const built = await new ContextBuilder(graph, words).build({ storyId: 's-1', role: 'DEV', phase: 'BUILD' });
    expect(built.context).toContain(`Decision ${dev}`);
    expect(built.context).not.toContain(`Decision ${qa}`);
    expect(built.context).not.toContain('Task t-qa');
    expect(built.scopes).not.toContain('DECISIONS_ALL');
  });

  it('keeps the most relevant within the budget asked for, and says how much it left out', async () => {
    const { graph } = await storyGraph();
    const full = await new ContextBuilder(graph, words).build({ storyId: 's-1', role: 'QA', phase: 'BUILD' });
    const small = await new ContextBuilder(graph, words).build({ storyId: 's-1', role: 'QA', phase: 'BUILD', tokenBudget: 40 });
    expect(small.tokenCount).toBeLessThanOrEqual(40);
    expect(small.omitted).toBeGreaterThan(0);
    expect(small.context.startsWith('## Story s-1')).toBe(true);
    expect(full.omitted).toBe(0);
  });

  it('versions the content: the same graph gives the same version, a change a new one', async () => {
    const { graph, projector, dev } = await storyGraph();
    const builder = new ContextBuilder(graph, words);
    const a = await builder.build({ storyId: 's-1', role: 'QA', phase: 'BUILD' });
    expect((await builder.build({ storyId: 's-1', role: 'QA', phase: 'BUILD' })).version).toBe(a.version);
    const redo = await projector.decision(decided('plan-plan-1-DEV.r1', 'DEV', 20));
    const b = await builder.build({ storyId: 's-1', role: 'QA', phase: 'BUILD' });
    expect(b.version).not.toBe(a.version);
    // The re-deliberation's decision comes before the one it supersedes, which is marked so.
    expect(b.context.indexOf(`Decision ${redo}`)).toBeLessThan(b.context.indexOf(`Decision ${dev} `));
    expect(b.context).toContain(`Decision ${dev} (DEV, superseded)`);
  });

  it('names a story the graph does not hold', async () => {
    const { graph } = await storyGraph();
    await expect(new ContextBuilder(graph, words).build({ storyId: 's-nope', role: 'QA', phase: 'BUILD' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      field: 'story_id',
    });
  });
});

describe("a story's packs (RehydrateSession)", () => {
  const clock = { now: () => 100, newId: () => 'x' };
  const request = { storyId: 's-1', timeline: true, summaries: true, timelineEvents: 50 } as const;

  it('gives each role what its prompt would show, structured: plan, scoped tasks, decisions, milestones', async () => {
    const { graph, dev, qa } = await storyGraph();
    const { packs, stats } = await new ContextPacks(graph, words, clock).rehydrate({ ...request, roles: ['QA', 'DEV'] });
    const [qaPack, devPack] = packs;
    expect(qaPack!.plan).toMatchObject({ id: 'plan-1', status: 'approved', totalSubtasks: 2 });
    expect(qaPack!.subtasks.map((t) => t.id)).toEqual(['t-qa', 't-dev']);
    expect(qaPack!.decisions.map((d) => d.id)).toEqual([qa, dev]);
    expect(qaPack!.milestones.map((m) => m.description)).toEqual([
      expect.stringContaining('plan-plan-1-QA'),
      expect.stringContaining('plan-plan-1-DEV'),
    ]);
    expect(qaPack!.lastSummary).toBe(qaPack!.decisions[0]!.title);
    // DEV in DESIGN sees every decision, but only its own tasks and no milestones.
    expect(devPack!.subtasks.map((t) => t.id)).toEqual(['t-dev']);
    expect(devPack!.milestones).toEqual([]);
    expect(JSON.stringify(packs)).not.toContain(SECRET);
    expect(stats).toMatchObject({ decisions: 2, events: 2, roles: ['QA', 'DEV'] });
  });

  it("stays within the role's budget, keeping the most relevant and counting what it left out", async () => {
    const { graph } = await storyGraph();
    // Every element costs just over a third of QA's budget: the header and one more fit.
    const costly = (): number => 1_400;
    const [pack] = (await new ContextPacks(graph, costly, clock).rehydrate({ ...request, roles: ['QA'] })).packs;
    expect(pack!.tokenCount).toBeLessThanOrEqual(pack!.tokenBudget);
    expect(pack!.subtasks.length + pack!.decisions.length + pack!.milestones.length).toBe(1);
    expect(pack!.omitted).toBeGreaterThan(0);
  });

  it('names a story the graph does not hold', async () => {
    const { graph } = await storyGraph();
    await expect(new ContextPacks(graph, words, clock).rehydrate({ ...request, storyId: 's-9', roles: ['DEV'] })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      field: 'case_id',
    });
  });
});
