import type { GraphEdge, GraphNode, Neighbourhood, NodeKind, NodeRef } from '../domain/context-graph.js';

/**
 * The decision graph's store. Asynchronous: the embedded store (Kuzu) and the cluster's (Neo4j) both
 * are. Query languages never leave the adapter; every adapter passes the same contract tests.
 */
export interface ContextGraph {
  /** Creates or replaces nodes by (kind, id). */
  upsertNodes(nodes: readonly GraphNode[]): Promise<void>;
  /** Adds edges; adding one that exists changes nothing. Both ends must exist (NOT_FOUND naming the missing one). */
  link(edges: readonly GraphEdge[]): Promise<void>;
  node(ref: NodeRef): Promise<GraphNode | undefined>;
  /** Nodes within `depth` (1..3) edges of `ref`, either direction, nearest first; NOT_FOUND when `ref` is absent. */
  neighbourhood(
    ref: NodeRef,
    depth: number,
    options?: { readonly kinds?: readonly NodeKind[]; readonly limit?: number },
  ): Promise<Neighbourhood>;
  /** Nodes of one kind, newest first. */
  list(kind: NodeKind, options?: { readonly limit?: number }): Promise<GraphNode[]>;
  close(): Promise<void>;
}
