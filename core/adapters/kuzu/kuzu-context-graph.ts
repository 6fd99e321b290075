import { z } from 'zod';
import type { GraphEdge, GraphNode, Neighbourhood, NodeKind, NodeRef, ReachedNode } from '../../domain/context-graph.js';
import { checkDepth, checkEdge, EDGE_ENDPOINTS, EDGE_KINDS, NODE_KINDS } from '../../domain/context-graph.js';
import { FleetError, invalidArgument, notFound } from '../../domain/errors.js';
import type { ContextGraph } from '../../ports/context-graph.js';
import type { KuzuSession, Row } from './kuzu-session.js';
import { NODE_COLUMNS, toGraphNode } from './node-row.js';

const key = (ref: NodeRef): string => `${ref.kind}\u0000${ref.id}`;

/** Kinds that are the `from` end of some edge: the only ones whose outgoing edges need asking for. */
const SOURCE_KINDS = NODE_KINDS.filter((kind) => EDGE_KINDS.some((edge) => EDGE_ENDPOINTS[edge].some(([from]) => from === kind)));

const edgeRow = z.object({ fromId: z.string(), kind: z.enum(EDGE_KINDS), toKind: z.enum(NODE_KINDS), toId: z.string() });
const idRow = z.object({ id: z.string() });
const distanceRow = z.object({ distance: z.number().int().min(1) });

export function kuzuContextGraph(session: KuzuSession): ContextGraph {
  return {
    upsertNodes: (nodes) =>
      session.exclusive(async () => {
        const byKind = groupBy(nodes, (n, i) => table(n.kind, `nodes[${i}].kind`));
        if (byKind.size === 0) return;
        await session.transaction(async () => {
          for (const [kind, group] of byKind) {
            const rows = group.map((n) => ({ id: n.id, title: n.title, body: n.body, props: JSON.stringify(n.props), at: n.updatedAtMs }));
            await session.rows(
              `UNWIND $rows AS r MERGE (n:${kind} {id: r.id}) SET n.title = r.title, n.body = r.body, n.props = r.props, n.updated_at = r.at`,
              { rows },
            );
          }
        });
      }),

    link: (edges) =>
      session.exclusive(async () => {
        edges.forEach((edge, i) => {
          table(edge.from.kind, `edges[${i}].from.kind`);
          table(edge.to.kind, `edges[${i}].to.kind`);
          if (!EDGE_KINDS.includes(edge.kind)) throw invalidArgument(`edges[${i}].kind`, `one of ${EDGE_KINDS.join(', ')}`, edge.kind);
          checkEdge(edge, `edges[${i}]`);
        });
        await requireEnds(session, edges);
        const groups = groupBy(edges, (e) => `${e.kind} ${e.from.kind} ${e.to.kind}`);
        if (groups.size === 0) return;
        await session.transaction(async () => {
          for (const group of groups.values()) {
            const { kind, from, to } = group[0]!;
            await session.rows(
              `UNWIND $rows AS r MATCH (a:${from.kind} {id: r.from}), (b:${to.kind} {id: r.to}) MERGE (a)-[:${kind}]->(b)`,
              { rows: group.map((e) => ({ from: e.from.id, to: e.to.id })) },
            );
          }
        });
      }),

    node: (ref) => session.exclusive(() => readNode(session, ref)),

    neighbourhood: (ref, depth, options = {}) =>
      session.exclusive(async () => {
        checkDepth(depth);
        const limit = checkLimit(options.limit);
        const root = await readNode(session, ref);
        if (root === undefined) throw notFound(ref.kind, ref.id);
        // An empty list reads as no filter, as an unset repeated field does on the wire.
        const kinds = options.kinds?.length ? options.kinds.map((kind, i) => table(kind, `kinds[${i}]`)) : undefined;
        const rows = await session.rows(reachQuery(ref.kind, depth, kinds !== undefined, limit !== undefined), {
          id: ref.id,
          ...(kinds && { kinds: [...kinds] }),
          ...(limit !== undefined && { limit }),
        });
        const nodes = rows.map((row): ReachedNode => {
          const node = toGraphNode(row);
          return { ...node, distance: parseRow(distanceRow, row, `distance of ${node.kind}/${node.id}`).distance };
        });
        return { root, nodes, edges: await edgesAmong(session, [root, ...nodes]) } satisfies Neighbourhood;
      }),

    list: (kind, options = {}) =>
      session.exclusive(async () => {
        const limit = checkLimit(options.limit);
        const order = `MATCH (n:${table(kind, 'kind')}) RETURN ${NODE_COLUMNS('n')} ORDER BY updatedAtMs DESC, id`;
        const rows = limit === undefined ? await session.rows(order) : await session.rows(`${order} LIMIT $limit`, { limit });
        return rows.map(toGraphNode);
      }),

    close: () => session.close(),
  };
}

async function readNode(session: KuzuSession, ref: NodeRef): Promise<GraphNode | undefined> {
  const [row] = await session.rows(`MATCH (n:${table(ref.kind, 'kind')} {id: $id}) RETURN ${NODE_COLUMNS('n')}`, { id: ref.id });
  return row === undefined ? undefined : toGraphNode(row);
}

/**
 * SHORTEST gives each reached node once with its distance, the root excluded. The depth is part of the
 * pattern's syntax (Kuzu takes no parameter there); it has been checked to be 1..3.
 */
function reachQuery(kind: NodeKind, depth: number, byKind: boolean, limited: boolean): string {
  return [
    `MATCH (r:${kind} {id: $id})-[p* SHORTEST 1..${depth}]-(n)`,
    byKind ? 'WHERE list_contains($kinds, label(n))' : '',
    `RETURN ${NODE_COLUMNS('n')}, length(p) AS distance ORDER BY distance, kind, id`,
    limited ? 'LIMIT $limit' : '',
  ].join(' ');
}

/** Every edge with both ends among `nodes`: each node's outgoing edges, kept when the far end is one of them. */
async function edgesAmong(session: KuzuSession, nodes: readonly NodeRef[]): Promise<GraphEdge[]> {
  const inside = new Set(nodes.map(key));
  const edges: GraphEdge[] = [];
  for (const [kind, group] of groupBy(nodes, (n) => n.kind)) {
    if (!SOURCE_KINDS.includes(kind)) continue;
    const rows = await session.rows(
      `MATCH (a:${kind})-[e]->(b) WHERE a.id IN $ids RETURN a.id AS fromId, label(e) AS kind, label(b) AS toKind, b.id AS toId`,
      { ids: group.map((n) => n.id) },
    );
    for (const row of rows) {
      const edge = parseRow(edgeRow, row, `edge from ${kind}`);
      const to = { kind: edge.toKind, id: edge.toId };
      if (inside.has(key(to))) edges.push({ kind: edge.kind, from: { kind, id: edge.fromId }, to });
    }
  }
  return edges;
}

/** NOT_FOUND naming the first end that is not stored, before anything is written. */
async function requireEnds(session: KuzuSession, edges: readonly GraphEdge[]): Promise<void> {
  const ends = edges.flatMap((e, i) => [
    { ref: e.from, field: `edges[${i}].from` },
    { ref: e.to, field: `edges[${i}].to` },
  ]);
  const found = new Set<string>();
  for (const [kind, group] of groupBy(ends, (end) => end.ref.kind)) {
    const ids = [...new Set(group.map((end) => end.ref.id))];
    const rows = await session.rows(`UNWIND $ids AS i MATCH (n:${kind} {id: i}) RETURN n.id AS id`, { ids });
    for (const row of rows) found.add(key({ kind, id: parseRow(idRow, row, kind).id }));
  }
  const missing = ends.find((end) => !found.has(key(end.ref)));
  if (missing !== undefined) throw notFound(`${missing.field}: ${missing.ref.kind}`, missing.ref.id);
}

/**
 * A kind as a table name. Labels cannot be parameters, so a kind reaches the query text only once it is
 * known to be one of the domain's: a caller from outside the type system cannot smuggle Cypher in.
 */
function table(kind: NodeKind, field: string): NodeKind {
  if (!NODE_KINDS.includes(kind)) throw invalidArgument(field, `one of ${NODE_KINDS.join(', ')}`, kind);
  return kind;
}

function checkLimit(limit: number | undefined): number | undefined {
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw invalidArgument('limit', 'a positive integer', limit);
  return limit;
}

function parseRow<T>(schema: z.ZodType<T>, row: Row, what: string): T {
  const parsed = schema.safeParse(row);
  if (!parsed.success) throw new FleetError('INTERNAL', `graph ${what} is unreadable: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

function groupBy<T, K>(items: readonly T[], keyOf: (item: T, index: number) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  items.forEach((item, i) => {
    const k = keyOf(item, i);
    const group = groups.get(k);
    if (group === undefined) groups.set(k, [item]);
    else group.push(item);
  });
  return groups;
}
