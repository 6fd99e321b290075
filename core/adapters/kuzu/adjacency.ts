import type { EdgeKind, GraphEdge, NodeKind, NodeRef } from '../../domain/context-graph.js';

interface Arc {
  readonly kind: EdgeKind;
  /** The far end's key. */
  readonly to: string;
  /** Whether the edge leaves this node (false: it arrives). */
  readonly out: boolean;
}

export interface Reached {
  readonly ref: NodeRef;
  readonly distance: number;
}

export const refKey = (ref: NodeRef): string => `${ref.kind}\u0000${ref.id}`;

const refOf = (k: string): NodeRef => {
  const cut = k.indexOf('\u0000');
  return { kind: k.slice(0, cut) as NodeKind, id: k.slice(cut + 1) };
};

/**
 * Every edge as ids and kinds, both directions, in memory. Kuzu 0.11 answers a variable-length pattern
 * by enumerating paths and a frontier lookup by scanning the whole node table, so a neighbourhood walked
 * here and only its rows fetched from the store is what keeps rehydration fast. Titles and bodies stay
 * in the store: this holds only what a walk needs.
 */
export class Adjacency {
  private readonly arcs = new Map<string, Arc[]>();

  /** Takes the store's edges, each stored once: no need to look for it among those held. */
  load(edges: Iterable<GraphEdge>): void {
    for (const edge of edges) this.attach(refKey(edge.from), refKey(edge.to), edge.kind);
  }

  /** Adds edges just linked; one held already (linked again) is kept once. */
  add(edges: Iterable<GraphEdge>): void {
    for (const edge of edges) {
      const [from, to] = [refKey(edge.from), refKey(edge.to)];
      if (!this.arcsOf(from).some((arc) => arc.out && arc.kind === edge.kind && arc.to === to)) this.attach(from, to, edge.kind);
    }
  }

  private attach(from: string, to: string, kind: EdgeKind): void {
    this.arcsOf(from).push({ kind, to, out: true });
    this.arcsOf(to).push({ kind, to: from, out: false });
  }

  /** Nodes within `depth` edges of `root`, either direction, each once at its smallest distance, the root left out. */
  reach(root: NodeRef, depth: number): Reached[] {
    const seen = new Set([refKey(root)]);
    const reached: Reached[] = [];
    let frontier = [refKey(root)];
    for (let distance = 1; distance <= depth && frontier.length > 0; distance++) {
      const next: string[] = [];
      for (const at of frontier) {
        for (const arc of this.arcs.get(at) ?? []) {
          if (seen.has(arc.to)) continue;
          seen.add(arc.to);
          next.push(arc.to);
          reached.push({ ref: refOf(arc.to), distance });
        }
      }
      frontier = next;
    }
    return reached;
  }

  /** Every edge with both ends among `nodes`. */
  among(nodes: readonly NodeRef[]): GraphEdge[] {
    const inside = new Set(nodes.map(refKey));
    const edges: GraphEdge[] = [];
    for (const from of inside) {
      for (const arc of this.arcs.get(from) ?? []) {
        if (arc.out && inside.has(arc.to)) edges.push({ kind: arc.kind, from: refOf(from), to: refOf(arc.to) });
      }
    }
    return edges;
  }

  private arcsOf(k: string): Arc[] {
    let list = this.arcs.get(k);
    if (list === undefined) this.arcs.set(k, (list = []));
    return list;
  }
}
