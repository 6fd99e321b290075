import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import type { GraphEdge, GraphNode, Neighbourhood, NodeKind, NodeRef, ReachedNode } from '../../domain/context-graph.js';
import { checkDepth, checkEdge, EDGE_KINDS, NODE_KINDS } from '../../domain/context-graph.js';
import { FleetError, invalidArgument, notFound } from '../../domain/errors.js';
import type { ContextGraph } from '../../ports/context-graph.js';
import type { KuzuSession, Row } from './kuzu-session.js';
import { Adjacency, refKey } from './adjacency.js';
import { NODE_COLUMNS, toGraphNode } from './node-row.js';

const edgeRow = z.object({ fromKind: z.enum(NODE_KINDS), fromId: z.string(), toKind: z.enum(NODE_KINDS), toId: z.string() });
const idRow = z.object({ id: z.string() });

/** The port, plus a bulk path for loading a large graph at once. */
export interface KuzuContextGraph extends ContextGraph {
  /**
   * Appends nodes and edges through Kuzu's COPY: for a generated or imported graph whose nodes are all
   * new and whose edges join nodes in this call or already stored. Unlike upsertNodes, a node already
   * stored is refused, not replaced.
   */
  bulkLoad(nodes: readonly GraphNode[], edges: readonly GraphEdge[]): Promise<void>;
}

export function kuzuContextGraph(session: KuzuSession): KuzuContextGraph {
  // Loaded on the first walk, then kept current by `link`: edges are never removed.
  let adjacency: Adjacency | undefined;
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
          // One prepared statement per edge: Kuzu 0.11 plans an UNWIND over two MATCHes as a join over
          // whole tables, while a single pair is found through both primary keys.
          for (const group of groups.values()) {
            const { kind, from, to } = group[0]!;
            const statement = `MATCH (a:${from.kind} {id: $from}), (b:${to.kind} {id: $to}) MERGE (a)-[:${kind}]->(b)`;
            for (const edge of group) await session.rows(statement, { from: edge.from.id, to: edge.to.id });
          }
        });
        adjacency?.add(edges);
      }),

    node: (ref) => session.exclusive(() => readNode(session, ref)),

    neighbourhood: (ref, depth, options = {}) =>
      session.exclusive(async () => {
        checkDepth(depth);
        const limit = checkLimit(options.limit);
        // An empty list reads as no filter, as an unset repeated field does on the wire.
        const kinds = options.kinds?.length ? options.kinds.map((kind, i) => table(kind, `kinds[${i}]`)) : undefined;
        const root = await readNode(session, ref);
        if (root === undefined) throw notFound(ref.kind, ref.id);
        adjacency ??= await loadAdjacency(session);
        const reached = adjacency
          .reach(ref, depth)
          .filter((r) => kinds === undefined || kinds.includes(r.ref.kind))
          .sort((a, b) => a.distance - b.distance || compare(a.ref.kind, b.ref.kind) || compare(a.ref.id, b.ref.id))
          .slice(0, limit);
        const rows = await readNodes(
          session,
          reached.map((r) => r.ref),
        );
        const nodes = reached.flatMap((r): ReachedNode[] => {
          const node = rows.get(refKey(r.ref));
          return node === undefined ? [] : [{ ...node, distance: r.distance }];
        });
        return { root, nodes, edges: adjacency.among([root, ...nodes]) } satisfies Neighbourhood;
      }),

    list: (kind, options = {}) =>
      session.exclusive(async () => {
        const limit = checkLimit(options.limit);
        const order = `MATCH (n:${table(kind, 'kind')}) RETURN ${NODE_COLUMNS('n')} ORDER BY updatedAtMs DESC, id`;
        const rows = limit === undefined ? await session.rows(order) : await session.rows(`${order} LIMIT $limit`, { limit });
        return rows.map(toGraphNode);
      }),

    bulkLoad: (nodes, edges) =>
      session.exclusive(async () => {
        nodes.forEach((n, i) => table(n.kind, `nodes[${i}].kind`));
        edges.forEach((edge, i) => checkEdge(edge, `edges[${i}]`));
        const dir = mkdtempSync(join(tmpdir(), 'fleet-kuzu-copy-'));
        try {
          for (const [kind, group] of groupBy(nodes, (n) => n.kind)) {
            const file = writeCsv(
              dir,
              kind,
              group.map((n) => [n.id, n.title, n.body, JSON.stringify(n.props), String(n.updatedAtMs)]),
            );
            await session.rows(`COPY ${kind} FROM '${file}' ${CSV_OPTIONS}`);
          }
          for (const group of groupBy(edges, (e) => `${e.kind} ${e.from.kind} ${e.to.kind}`).values()) {
            const { kind, from, to } = group[0]!;
            const file = writeCsv(
              dir,
              `${kind}-${from.kind}-${to.kind}`,
              group.map((e) => [e.from.id, e.to.id]),
            );
            await session.rows(`COPY ${kind} FROM '${file}' (from='${from.kind}', to='${to.kind}', ${CSV_OPTIONS.slice(1)}`);
          }
        } catch (error) {
          throw new FleetError('FAILED_PRECONDITION', `graph bulk load refused: ${(error as Error).message}`, { cause: error });
        } finally {
          adjacency = undefined;
          rmSync(dir, { recursive: true, force: true });
        }
      }),

    close: () => session.close(),
  };
}

async function readNode(session: KuzuSession, ref: NodeRef): Promise<GraphNode | undefined> {
  const [row] = await session.rows(`MATCH (n:${table(ref.kind, 'kind')} {id: $id}) RETURN ${NODE_COLUMNS('n')}`, { id: ref.id });
  return row === undefined ? undefined : toGraphNode(row);
}

/** The stored rows of `refs`, by key, one query per kind: Kuzu joins the ids over the table, which beats a primary-key lookup per id once a neighbourhood holds more than a few nodes. */
async function readNodes(session: KuzuSession, refs: readonly NodeRef[]): Promise<Map<string, GraphNode>> {
  const found = new Map<string, GraphNode>();
  for (const [kind, group] of groupBy(refs, (r) => r.kind)) {
    const rows = await session.rows(`UNWIND $ids AS i MATCH (n:${kind} {id: i}) RETURN ${NODE_COLUMNS('n')}`, {
      ids: group.map((r) => r.id),
    });
    for (const row of rows) {
      const node = toGraphNode(row);
      found.set(refKey(node), node);
    }
  }
  return found;
}

/** Every stored edge, one query per edge kind. */
async function loadAdjacency(session: KuzuSession): Promise<Adjacency> {
  const adjacency = new Adjacency();
  for (const kind of EDGE_KINDS) {
    const rows = await session.rows(
      `MATCH (a)-[:${kind}]->(b) RETURN label(a) AS fromKind, a.id AS fromId, label(b) AS toKind, b.id AS toId`,
    );
    adjacency.load(
      rows.map((row) => {
        const edge = parseRow(edgeRow, row, `${kind} edge`);
        return { kind, from: { kind: edge.fromKind, id: edge.fromId }, to: { kind: edge.toKind, id: edge.toId } };
      }),
    );
  }
  return adjacency;
}

// Quoted fields may span lines, which Kuzu's parallel CSV reader does not take; an empty field would
// read as NULL, so NULL is spelled `\N` instead: a bulk-loaded field must not be exactly that.
const CSV_OPTIONS = "(HEADER=false, DELIM=',', QUOTE='\"', ESCAPE='\"', PARALLEL=false, NULL_STRINGS=['\\N'])";

/** One CSV file of quoted fields, named after trusted table names only. */
function writeCsv(dir: string, name: string, rows: readonly (readonly string[])[]): string {
  const file = join(dir, `${name}.csv`);
  const quote = (field: string): string => `"${field.replaceAll('"', '""')}"`;
  writeFileSync(file, rows.map((row) => row.map(quote).join(',')).join('\n') + '\n', { mode: 0o600 });
  return file;
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

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
    for (const row of rows) found.add(refKey({ kind, id: parseRow(idRow, row, kind).id }));
  }
  const missing = ends.find((end) => !found.has(refKey(end.ref)));
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
