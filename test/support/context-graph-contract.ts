import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GraphEdge, GraphNode, Neighbourhood, NodeKind, NodeRef } from '../../core/domain/context-graph.js';
import { NODE_KINDS } from '../../core/domain/context-graph.js';
import { FleetError } from '../../core/domain/errors.js';
import type { ContextGraph } from '../../core/ports/context-graph.js';

export interface OpenedGraph {
  readonly graph: ContextGraph;
  cleanup(): Promise<void>;
  /** Closes `graph` and opens the same store again, for stores that keep data across opens. */
  reopen?(): Promise<ContextGraph>;
}

/**
 * What every ContextGraph adapter must do, against a real store: one project → epic → story with two
 * plan versions, tasks depending on each other and three decisions taken in deliberations by actors.
 * Distances from the story are worked out by hand in `expected` below.
 */
export function describeContextGraphContract(name: string, open: () => Promise<OpenedGraph>): void {
  describe(`ContextGraph contract: ${name}`, () => {
    let opened: OpenedGraph;
    let graph: ContextGraph;
    beforeEach(async () => {
      opened = await open();
      graph = opened.graph;
    });
    afterEach(() => opened.cleanup());

    it('reads back each node as written, props and text included', async () => {
      await writeFixture(graph);
      for (const node of NODES) expect(await graph.node(node)).toEqual(node);
      expect(await graph.node({ kind: 'Story', id: 'absent' })).toBeUndefined();
      expect(await graph.node({ kind: 'Task', id: STORY.id })).toBeUndefined();
    });

    it.each([1, 2, 3])('finds the neighbourhood of the story at depth %i, nearest first, with the edges among it', async (depth) => {
      await writeFixture(graph);
      const hood = await graph.neighbourhood(STORY, depth);
      expect(hood.root).toEqual(STORY);
      expect(reached(hood)).toEqual(expected(depth));
      for (const node of hood.nodes) expect(node).toEqual({ ...byRef(node), distance: node.distance });
      expect(edgeNames(hood.edges)).toEqual(edgesAmong([STORY, ...hood.nodes]));
    });

    it('keeps only the kinds asked for, and the edges among them and the root', async () => {
      await writeFixture(graph);
      const hood = await graph.neighbourhood(STORY, 2, { kinds: ['Task'] });
      expect(reached(hood)).toEqual(['Task/task-1@2', 'Task/task-2@2', 'Task/task-3@2']);
      expect(edgeNames(hood.edges)).toEqual(['DEPENDS_ON Task/task-2→Task/task-1', 'DEPENDS_ON Task/task-3→Task/task-2']);
    });

    it('stops at the limit, keeping the nearest', async () => {
      await writeFixture(graph);
      const hood = await graph.neighbourhood(STORY, 3, { limit: 4 });
      expect(reached(hood)).toEqual(expected(3).slice(0, 4));
    });

    it('changes nothing when the same nodes and edges are written again', async () => {
      await writeFixture(graph);
      const before = await counts(graph);
      await writeFixture(graph);
      await graph.link(EDGES.slice(0, 3));
      expect(await counts(graph)).toEqual(before);
      expect(before.edges).toBe(EDGES.length);
    });

    it('replaces a node written again with other values', async () => {
      await writeFixture(graph);
      const changed: GraphNode = { ...STORY, title: 'renamed', props: { state: 'done' }, updatedAtMs: 9_000 };
      await graph.upsertNodes([changed]);
      expect(await graph.node(STORY)).toEqual(changed);
    });

    it('refuses an edge between kinds it does not join, naming the field', async () => {
      await writeFixture(graph);
      const error = await failure(graph.link([{ kind: 'CONTAINS', from: STORY, to: { kind: 'Story', id: 'story-2' } }]));
      expect(error.code).toBe('INVALID_ARGUMENT');
      expect(error.field).toBe('edges[0]');
      expect(error.message).toContain('Story→Story');
    });

    it('refuses an edge whose end is missing, naming it, and writes none of the call', async () => {
      await writeFixture(graph);
      const error = await failure(
        graph.link([
          { kind: 'DEPENDS_ON', from: { kind: 'Task', id: 'task-4' }, to: { kind: 'Task', id: 'task-1' } },
          { kind: 'DEPENDS_ON', from: { kind: 'Task', id: 'task-1' }, to: { kind: 'Task', id: 'no-such-task' } },
        ]),
      );
      expect(error.code).toBe('NOT_FOUND');
      expect(error.message).toContain('no-such-task');
      expect((await counts(graph)).edges).toBe(EDGES.length);
    });

    it.each([0, 4, 1.5])('refuses depth %s, naming depth', async (depth) => {
      await writeFixture(graph);
      const error = await failure(graph.neighbourhood(STORY, depth));
      expect(error.code).toBe('INVALID_ARGUMENT');
      expect(error.field).toBe('depth');
    });

    it('answers NOT_FOUND for the neighbourhood of a missing node', async () => {
      const error = await failure(graph.neighbourhood({ kind: 'Story', id: 'absent' }, 1));
      expect(error.code).toBe('NOT_FOUND');
      expect(error.message).toContain('absent');
    });

    it('lists a kind newest first, up to the limit', async () => {
      await writeFixture(graph);
      expect((await graph.list('Decision')).map((n) => n.id)).toEqual(['decision-3', 'decision-2', 'decision-1']);
      expect(await graph.list('Decision', { limit: 2 })).toEqual([byRef(DECISIONS[2]!), byRef(DECISIONS[1]!)]);
      expect(await graph.list('Actor', { limit: 1 })).toHaveLength(1);
    });

    it('keeps its data across close and reopen', async (context) => {
      if (opened.reopen === undefined) return context.skip();
      await writeFixture(graph);
      const before = await counts(graph);
      graph = await opened.reopen();
      expect(await counts(graph)).toEqual(before);
      expect(await graph.node(DECISIONS[0]!)).toEqual(DECISIONS[0]);
    });
  });
}

const node = (kind: NodeKind, id: string, at: number, extra: Partial<GraphNode> = {}): GraphNode => ({
  kind,
  id,
  title: `${kind} ${id}`,
  body: '',
  props: {},
  updatedAtMs: at,
  ...extra,
});

const PROJECT = node('Project', 'project-1', 1_000, { props: { repo: 'github.com/acme/shop' } });
const EPIC = node('Epic', 'epic-1', 1_001);
const OTHER_EPIC = node('Epic', 'epic-2', 1_002);
const STORY = node('Story', 'story-1', 1_003, {
  title: 'Checkout: "one-click" pay — naïve façade 支付 🚀',
  body: 'As a buyer I\'d like to pay with one click.\nIt\'s "fast"; back\\slash, tab\there.',
  props: { state: 'IN_PROGRESS', points: '5', 'clé « spéciale »': 'valeur "citée"' },
});
const OTHER_STORY = node('Story', 'story-2', 1_004);
const PLAN_1 = node('PlanVersion', 'plan-1', 1_005, { props: { version: '1' } });
const PLAN_2 = node('PlanVersion', 'plan-2', 1_006, { props: { version: '2' } });
const TASKS = [1, 2, 3, 4].map((i) => node('Task', `task-${i}`, 1_010 + i));
const DELIBERATIONS = [1, 2].map((i) => node('Deliberation', `deliberation-${i}`, 1_020 + i, { props: { winner: `agent-${i}` } }));
const ACTORS = [1, 2].map((i) => node('Actor', `actor-${i}`, 1_030 + i, { props: { role: i === 1 ? 'ARCHITECT' : 'DEV' } }));
const DECISIONS = [1, 2, 3].map((i) =>
  node('Decision', `decision-${i}`, 1_040 + i, { body: `Rationale ${i}: use 'idempotency keys' — ✓`, props: { score: `0.${i}` } }),
);
const NODES: readonly GraphNode[] = [
  PROJECT,
  EPIC,
  OTHER_EPIC,
  STORY,
  OTHER_STORY,
  PLAN_1,
  PLAN_2,
  ...TASKS,
  ...DELIBERATIONS,
  ...ACTORS,
  ...DECISIONS,
];

const ref = (n: GraphNode): NodeRef => ({ kind: n.kind, id: n.id });
const edge = (kind: GraphEdge['kind'], from: GraphNode, to: GraphNode): GraphEdge => ({ kind, from: ref(from), to: ref(to) });
const [t1, t2, t3, t4] = TASKS as [GraphNode, GraphNode, GraphNode, GraphNode];
const [d1, d2, d3] = DECISIONS as [GraphNode, GraphNode, GraphNode];
const [l1, l2] = DELIBERATIONS as [GraphNode, GraphNode];
const [a1, a2] = ACTORS as [GraphNode, GraphNode];
const EDGES: readonly GraphEdge[] = [
  edge('CONTAINS', PROJECT, EPIC),
  edge('CONTAINS', PROJECT, OTHER_EPIC),
  edge('CONTAINS', EPIC, STORY),
  edge('CONTAINS', EPIC, OTHER_STORY),
  edge('HAS_PLAN', STORY, PLAN_1),
  edge('HAS_PLAN', STORY, PLAN_2),
  edge('SUPERSEDES', PLAN_2, PLAN_1),
  edge('HAS_TASK', PLAN_2, t1),
  edge('HAS_TASK', PLAN_2, t2),
  edge('HAS_TASK', PLAN_2, t3),
  edge('DEPENDS_ON', t2, t1),
  edge('DEPENDS_ON', t3, t2),
  edge('DEPENDS_ON', t4, t3),
  edge('AFFECTS', d1, STORY),
  edge('AFFECTS', d2, STORY),
  edge('AFFECTS', d3, STORY),
  edge('DECIDED_IN', d1, l1),
  edge('DECIDED_IN', d2, l1),
  edge('DECIDED_IN', d3, l2),
  edge('AUTHORED_BY', d1, a1),
  edge('AUTHORED_BY', d3, a1),
  edge('AUTHORED_BY', d2, a2),
  edge('AUTHORED_BY', l2, a2),
  edge('SUPERSEDES', d3, d1),
];

/** `Kind/id@distance` of everything within `depth` of the story, in the port's order. */
function expected(depth: number): string[] {
  const at: Record<number, string[]> = {
    1: ['Decision/decision-1', 'Decision/decision-2', 'Decision/decision-3', 'Epic/epic-1', 'PlanVersion/plan-1', 'PlanVersion/plan-2'],
    2: [
      'Actor/actor-1',
      'Actor/actor-2',
      'Deliberation/deliberation-1',
      'Deliberation/deliberation-2',
      'Project/project-1',
      'Story/story-2',
      'Task/task-1',
      'Task/task-2',
      'Task/task-3',
    ],
    3: ['Epic/epic-2', 'Task/task-4'],
  };
  return [1, 2, 3].filter((d) => d <= depth).flatMap((d) => at[d]!.map((n) => `${n}@${d}`));
}

async function writeFixture(graph: ContextGraph): Promise<void> {
  // Two calls each, so a store that only handles one kind per call is caught.
  await graph.upsertNodes(NODES.slice(0, 7));
  await graph.upsertNodes(NODES.slice(7));
  await graph.link(EDGES.slice(0, 10));
  await graph.link(EDGES.slice(10));
}

const name = (n: NodeRef): string => `${n.kind}/${n.id}`;
const reached = (hood: Neighbourhood): string[] => hood.nodes.map((n) => `${name(n)}@${n.distance}`);
const edgeNames = (edges: readonly GraphEdge[]): string[] => edges.map((e) => `${e.kind} ${name(e.from)}→${name(e.to)}`).sort();
const byRef = (r: NodeRef): GraphNode => NODES.find((n) => n.kind === r.kind && n.id === r.id)!;

function edgesAmong(nodes: readonly NodeRef[]): string[] {
  const inside = new Set(nodes.map(name));
  return edgeNames(EDGES.filter((e) => inside.has(name(e.from)) && inside.has(name(e.to))));
}

/** Nodes per kind, and edges seen from the story at the greatest depth (the fixture is connected). */
async function counts(graph: ContextGraph): Promise<{ nodes: number[]; edges: number }> {
  const nodes = await Promise.all(NODE_KINDS.map(async (kind) => (await graph.list(kind)).length));
  return { nodes, edges: (await graph.neighbourhood(STORY, 3)).edges.length };
}

async function failure(promise: Promise<unknown>): Promise<FleetError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FleetError);
  return error as FleetError;
}
