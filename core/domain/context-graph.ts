import { invalidArgument } from './errors.js';

/**
 * The decision graph that context is built from: what a story belongs to, its plans and tasks, and the
 * decisions taken about it with the deliberations that took them. One schema for writing and reading.
 */
export const NODE_KINDS = ['Project', 'Epic', 'Story', 'Task', 'PlanVersion', 'Decision', 'Actor', 'Deliberation'] as const;
export type NodeKind = (typeof NODE_KINDS)[number];

export const EDGE_KINDS = ['CONTAINS', 'HAS_PLAN', 'HAS_TASK', 'DEPENDS_ON', 'AFFECTS', 'DECIDED_IN', 'AUTHORED_BY', 'SUPERSEDES'] as const;
export type EdgeKind = (typeof EDGE_KINDS)[number];

/** Which kinds each edge joins (from → to); anything else is refused before it reaches a store. */
export const EDGE_ENDPOINTS: Readonly<Record<EdgeKind, readonly (readonly [NodeKind, NodeKind])[]>> = {
  CONTAINS: [
    ['Project', 'Epic'],
    ['Epic', 'Story'],
  ],
  HAS_PLAN: [['Story', 'PlanVersion']],
  HAS_TASK: [
    ['Story', 'Task'],
    ['PlanVersion', 'Task'],
  ],
  DEPENDS_ON: [['Task', 'Task']],
  AFFECTS: [
    ['Decision', 'Project'],
    ['Decision', 'Epic'],
    ['Decision', 'Story'],
    ['Decision', 'Task'],
  ],
  DECIDED_IN: [['Decision', 'Deliberation']],
  AUTHORED_BY: [
    ['Decision', 'Actor'],
    ['PlanVersion', 'Actor'],
    ['Deliberation', 'Actor'],
  ],
  SUPERSEDES: [
    ['Decision', 'Decision'],
    ['PlanVersion', 'PlanVersion'],
  ],
};

export interface NodeRef {
  readonly kind: NodeKind;
  readonly id: string;
}

export interface GraphNode extends NodeRef {
  readonly title: string;
  /** The text a prompt may quote (a story's description, a decision's rationale, ...). */
  readonly body: string;
  /** Other facts as strings (state, role, score, winner, ...), kept as they are. */
  readonly props: Readonly<Record<string, string>>;
  readonly updatedAtMs: number;
}

export interface GraphEdge {
  readonly kind: EdgeKind;
  readonly from: NodeRef;
  readonly to: NodeRef;
}

/** A node found from another, with how many edges away it is (1..depth). */
export interface ReachedNode extends GraphNode {
  readonly distance: number;
}

export interface Neighbourhood {
  readonly root: GraphNode;
  readonly nodes: readonly ReachedNode[];
  /** Every edge between the root and the nodes reached (both ends inside the neighbourhood). */
  readonly edges: readonly GraphEdge[];
}

export const MAX_DEPTH = 3;

export function checkEdge(edge: GraphEdge, field = 'edge'): GraphEdge {
  const allowed = EDGE_ENDPOINTS[edge.kind];
  if (!allowed.some(([from, to]) => from === edge.from.kind && to === edge.to.kind)) {
    throw invalidArgument(
      field,
      `${edge.kind} joins ${allowed.map(([f, t]) => `${f}→${t}`).join(', ')}`,
      `${edge.from.kind}→${edge.to.kind}`,
    );
  }
  return edge;
}

export function checkDepth(depth: number, field = 'depth'): number {
  if (!Number.isInteger(depth) || depth < 1 || depth > MAX_DEPTH) throw invalidArgument(field, `an integer in 1..${MAX_DEPTH}`, depth);
  return depth;
}
