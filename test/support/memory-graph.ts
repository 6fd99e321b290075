import { checkDepth, checkEdge, type GraphEdge, type GraphNode, type NodeRef, type ReachedNode } from '../../core/domain/context-graph.js';
import { FleetError } from '../../core/domain/errors.js';
import type { ContextGraph } from '../../core/ports/context-graph.js';

const key = (r: NodeRef): string => `${r.kind}:${r.id}`;

/** The context graph in memory, for unit tests of the use cases; the adapters pass the contract suite. */
export function memoryGraph(): ContextGraph {
  const nodes = new Map<string, GraphNode>();
  const edges = new Map<string, GraphEdge>();
  return {
    upsertNodes(list) {
      for (const n of list) nodes.set(key(n), n);
      return Promise.resolve();
    },
    link(list) {
      for (const e of list) {
        checkEdge(e);
        for (const end of [e.from, e.to])
          if (!nodes.has(key(end))) return Promise.reject(new FleetError('NOT_FOUND', `${end.kind} ${end.id} not found`));
        edges.set(`${e.kind}|${key(e.from)}|${key(e.to)}`, e);
      }
      return Promise.resolve();
    },
    node: (ref) => Promise.resolve(nodes.get(key(ref))),
    neighbourhood(ref, depth, options = {}) {
      checkDepth(depth);
      const root = nodes.get(key(ref));
      if (root === undefined) return Promise.reject(new FleetError('NOT_FOUND', `${ref.kind} ${ref.id} not found`));
      const distance = new Map<string, number>([[key(root), 0]]);
      let frontier = [key(root)];
      for (let d = 1; d <= depth; d++) {
        const next: string[] = [];
        for (const e of edges.values()) {
          for (const [a, b] of [
            [key(e.from), key(e.to)],
            [key(e.to), key(e.from)],
          ] as const) {
            if (frontier.includes(a) && !distance.has(b)) {
              distance.set(b, d);
              next.push(b);
            }
          }
        }
        frontier = next;
      }
      const reached: ReachedNode[] = [...distance.entries()]
        .filter(([k]) => k !== key(root))
        .map(([k, d]) => ({ ...nodes.get(k)!, distance: d }))
        .filter((n) => options.kinds === undefined || options.kinds.includes(n.kind))
        .sort((a, b) => a.distance - b.distance || a.kind.localeCompare(b.kind) || a.id.localeCompare(b.id))
        .slice(0, options.limit ?? Number.MAX_SAFE_INTEGER);
      const inside = new Set([key(root), ...reached.map(key)]);
      return Promise.resolve({
        root,
        nodes: reached,
        edges: [...edges.values()].filter((e) => inside.has(key(e.from)) && inside.has(key(e.to))),
      });
    },
    list: (kind, options = {}) =>
      Promise.resolve(
        [...nodes.values()]
          .filter((n) => n.kind === kind)
          .sort((a, b) => b.updatedAtMs - a.updatedAtMs)
          .slice(0, options.limit ?? Number.MAX_SAFE_INTEGER),
      ),
    close: () => Promise.resolve(),
  };
}
