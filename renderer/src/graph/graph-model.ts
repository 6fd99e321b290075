import type { GetGraphRelationshipsResponse, GraphNode } from '../../../proto/gen-es/fleet/context/v1/context_pb.js';

/** The kinds of node the context graph holds, as GetGraphRelationships names them. */
export const NODE_KINDS = ['Project', 'Epic', 'Story', 'Task', 'PlanVersion', 'Decision', 'Actor', 'Deliberation'] as const;
export type NodeKind = (typeof NODE_KINDS)[number];

/** The phases GetContext fits a prompt to. */
export const PHASES = ['DESIGN', 'BUILD', 'TEST', 'DOCS'] as const;

// A kind this page does not know yet is shown as a story rather than hidden, so the drawing stays whole.
export const kindOf = (node: GraphNode): NodeKind => NODE_KINDS.find((k) => k === node.type) ?? 'Story';

export const MAX_DEPTH = 3;
export const DEPTHS = Array.from({ length: MAX_DEPTH }, (_, i) => i + 1);

/** What a node is called on the page and to a screen reader: its kind and its title (its id when untitled). */
export const nodeName = (node: GraphNode): string => `${kindOf(node)} ${node.title || node.id}`;

export interface Placed {
  readonly node: GraphNode;
  readonly x: number;
  readonly y: number;
}

const COLUMN = 260;
const ROW = 90;

/**
 * Lays the neighbourhood out in columns by hops from the centre, whichever way an edge points, so the
 * node asked for is always on the left and each further column is one hop further out.
 */
export function layout(graph: GetGraphRelationshipsResponse): readonly Placed[] {
  const root = graph.node;
  if (root === undefined) return [];
  const byId = new Map([root, ...graph.neighbors].map((n) => [n.id, n]));
  const hops = new Map([[root.id, 0]]);
  let frontier = [root.id];
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const id of frontier) {
      for (const r of graph.relationships) {
        const other = r.fromNodeId === id ? r.toNodeId : r.toNodeId === id ? r.fromNodeId : undefined;
        if (other === undefined || hops.has(other) || !byId.has(other)) continue;
        hops.set(other, (hops.get(id) ?? 0) + 1);
        next.push(other);
      }
    }
    frontier = next;
  }
  const rows = new Map<number, number>();
  return [...byId.values()].map((node) => {
    const column = hops.get(node.id) ?? MAX_DEPTH + 1;
    const row = rows.get(column) ?? 0;
    rows.set(column, row + 1);
    return { node, x: column * COLUMN, y: row * ROW };
  });
}

export interface DecisionEntry {
  readonly node: GraphNode;
  readonly superseded: boolean;
}

/** The decisions that affect the centre node, newest first; one a later decision supersedes is marked. */
export function decisionHistory(graph: GetGraphRelationshipsResponse): readonly DecisionEntry[] {
  const root = graph.node;
  if (root === undefined) return [];
  const affecting = new Set(graph.relationships.filter((r) => r.type === 'AFFECTS' && r.toNodeId === root.id).map((r) => r.fromNodeId));
  const superseded = new Set(graph.relationships.filter((r) => r.type === 'SUPERSEDES').map((r) => r.toNodeId));
  const updated = (n: GraphNode): string => n.properties['updated_at'] ?? '';
  return graph.neighbors
    .filter((n) => kindOf(n) === 'Decision' && affecting.has(n.id))
    .sort((a, b) => updated(b).localeCompare(updated(a)))
    .map((node) => ({ node, superseded: superseded.has(node.id) }));
}
