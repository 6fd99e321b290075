/**
 * Context graph bench: the embedded Kuzu graph beside a plain SQLite file holding the same 100k-node
 * graph as nodes/edges tables, measured in the same run.
 *
 *   rehydration_cold_p50_ms / _p99_ms ContextBuilder.build (DEV, BUILD) for a story, its depth-3
 *                                     neighbourhood read through the adapter; tokens counted as chars/4,
 *                                     as for remote models
 *   rehydration_cached_p50_ms / _p99_ms  what the product serves: CachedContextReader over the SQLite
 *                                     ContextCache (a fleet database in the temp folder), warm hits only;
 *                                     every role of many stories built once, then read again
 *   rehydration_cached_miss_p50_ms / _p99_ms  those first builds through the reader (build + put)
 *   rehydration_cached_hit_ratio      hits over all reads of that workload, counted at the builder
 *                                     (1 build + CACHE_REREADS reads per entry: 0.75)
 *   rehydration_cached_context_chars_mean  the mean length of the contexts cached
 *   rehydration_after_update_p50_ms / _p99_ms  a read after the story was invalidated (as each
 *                                     context.updated does): a miss that rebuilds
 *   rehydration_goal                  p50 ≤ 5 ms, said of the cached, cold and after-update figures
 *   graph_neighbourhood_p50_ms / _p99_ms  the depth-3 neighbourhood alone (nodes, distances, edges)
 *   sqlite_cte_p50_ms / _p99_ms       baseline: the same neighbourhood by a recursive CTE
 *   *_vs_sqlite_cte_p50               each p50 over the baseline's
 *   graph_adjacency_load_ms / _mb     the adapter's first walk (loading its adjacency index) and the
 *                                     heap it holds (exact with node --expose-gc)
 *   graph_bulk_write_per_s            nodes + edges per second through bulkLoad (Kuzu COPY), all but
 *                                     the last epic
 *   graph_write_per_s                 nodes + edges per second through upsertNodes/link, the last epic
 *   sqlite_write_per_s                baseline: all rows as SQLite inserts, one transaction per batch
 *
 * Prints `name: value unit` lines.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';

import { openKuzuGraph } from '../../core/adapters/kuzu/index.js';
import { createSqliteStores } from '../../core/adapters/sqlite/sqlite-stores.js';
import { CachedContextReader } from '../../core/app/cached-context.js';
import { ContextBuilder } from '../../core/app/context.js';
import type { GraphEdge, GraphNode, NodeKind, NodeRef } from '../../core/domain/context-graph.js';
import { ROLES } from '../../core/domain/role.js';
import type { BuiltContext, ContextReader, ContextRequest } from '../../core/ports/context-service.js';

const SAMPLES = 100;
const GOAL_MS = 5;
/** Stories whose every role goes through the cache: each built once, then read CACHE_REREADS times. */
const CACHE_STORIES = 100;
const CACHE_REREADS = 3;
/** Stories invalidated, then read once (one role each, in turn). */
const UPDATED_STORIES = 30;
const NODE_BATCH = 20_000;
const EDGE_BATCH = 50_000;

const print = (name: string, value: string, unit = ''): void => console.log(`${name}: ${value}${unit ? ` ${unit}` : ''}`);
const heapUsed = (): number => {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed;
};
const percentile = (xs: readonly number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
/** How long `run` took for each item, one after another, in ms. */
async function timeEach<T>(items: readonly T[], run: (item: T) => unknown): Promise<number[]> {
  const times: number[] = [];
  for (const item of items) {
    const started = performance.now();
    await run(item);
    times.push(performance.now() - started);
  }
  return times;
}
const printPercentiles = (name: string, times: readonly number[]): void => {
  print(`${name}_p50_ms`, percentile(times, 50).toFixed(2), 'ms');
  print(`${name}_p99_ms`, percentile(times, 99).toFixed(2), 'ms');
};

interface CacheTimes {
  readonly hits: number[];
  readonly misses: number[];
  readonly afterUpdate: number[];
  readonly hitRatio: number;
  /** The mean length of the contexts cached, in characters. */
  readonly contextChars: number;
}

/**
 * Rehydration as the product serves it: `builder` behind CachedContextReader and the SQLite cache in
 * a fresh fleet database at `file`. Every role of each story is built once (misses), then read again
 * CACHE_REREADS times (hits, each checked to be the context first built); then a few stories are
 * invalidated and read once more (misses). Hits and misses are counted at the builder, not assumed.
 */
async function measureCache(builder: ContextReader, stories: readonly NodeRef[], file: string): Promise<CacheTimes> {
  const stores = createSqliteStores(file);
  try {
    let builds = 0;
    const reader = new CachedContextReader(
      {
        build: (request) => {
          builds++;
          return builder.build(request);
        },
      },
      stores.contextCache,
    );
    const request = (storyId: string, role: ContextRequest['role']): ContextRequest => ({ storyId, role, phase: 'BUILD' });
    const requests = stories.flatMap((story) => ROLES.map((role) => request(story.id, role)));
    const first = new Map<ContextRequest, BuiltContext>();
    const misses = await timeEach(requests, async (r) => first.set(r, await reader.build(r)));
    const rereads = Array.from({ length: CACHE_REREADS }, () => requests).flat();
    const hits = await timeEach(rereads, async (r) => {
      if ((await reader.build(r)).version !== first.get(r)!.version) throw new Error(`cache served another context for ${r.storyId}`);
    });
    const contextChars = [...first.values()].reduce((sum, built) => sum + built.context.length, 0) / first.size;
    const hitRatio = 1 - builds / (requests.length + rereads.length);

    const updated = stories.slice(0, UPDATED_STORIES).map((story, i) => request(story.id, ROLES[i % ROLES.length]!));
    for (const r of updated) await stores.contextCache.invalidate(r.storyId);
    const buildsBefore = builds;
    const afterUpdate = await timeEach(updated, (r) => reader.build(r));
    if (builds - buildsBefore !== updated.length) throw new Error('a read after invalidation was served from the cache');
    return { hits, misses, afterUpdate, hitRatio, contextChars };
  } finally {
    stores.close();
  }
}

/**
 * 30 projects × 14 epics × 14 stories; each story has two plan versions (the second supersedes the
 * first), eight tasks (three quarters depending on an earlier one) and three decisions, each taken in its
 * own deliberation; plans, decisions and deliberations are authored by one of 1000 actors. 101,410
 * nodes, ~272k edges. Actors are the hubs: a depth-3 neighbourhood reaches every item its actors wrote.
 */
function generate(): { nodes: GraphNode[]; edges: GraphEdge[]; stories: NodeRef[]; lastEpic: { nodes: number; edges: number } } {
  let seed = 42;
  const random = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const node = (kind: NodeKind, id: string): NodeRef => {
    nodes.push({
      kind,
      id,
      title: `${kind} ${id}`,
      body: `The text of ${id}. `.repeat(8),
      props: { state: 'open' },
      updatedAtMs: nodes.length,
    });
    return { kind, id };
  };
  const link = (kind: GraphEdge['kind'], from: NodeRef, to: NodeRef): number => edges.push({ kind, from, to });
  const actors = Array.from({ length: 1000 }, (_, i) => node('Actor', `a${i}`));
  const actor = (): NodeRef => actors[Math.floor(random() * actors.length)]!;
  const stories: NodeRef[] = [];
  const lastEpic = { nodes: 0, edges: 0 };
  for (let p = 0; p < 30; p++) {
    const project = node('Project', `p${p}`);
    for (let e = 0; e < 14; e++) {
      Object.assign(lastEpic, { nodes: nodes.length, edges: edges.length });
      const epic = node('Epic', `p${p}e${e}`);
      link('CONTAINS', project, epic);
      for (let s = 0; s < 14; s++) {
        const id = `p${p}e${e}s${s}`;
        const story = node('Story', id);
        stories.push(story);
        link('CONTAINS', epic, story);
        const [v1, v2] = [node('PlanVersion', `${id}v1`), node('PlanVersion', `${id}v2`)];
        link('HAS_PLAN', story, v1);
        link('HAS_PLAN', story, v2);
        link('SUPERSEDES', v2, v1);
        link('AUTHORED_BY', v1, actor());
        link('AUTHORED_BY', v2, actor());
        const tasks: NodeRef[] = [];
        for (let t = 0; t < 8; t++) {
          const task = node('Task', `${id}t${t}`);
          link('HAS_TASK', story, task);
          link('HAS_TASK', v2, task);
          if (t < 6) link('HAS_TASK', v1, task);
          if (t > 0 && random() < 0.75) link('DEPENDS_ON', task, tasks[Math.floor(random() * t)]!);
          tasks.push(task);
        }
        const decisions = [0, 1, 2].map((d) => {
          const [decision, deliberation] = [node('Decision', `${id}d${d}`), node('Deliberation', `${id}l${d}`)];
          link('AFFECTS', decision, story);
          link('DECIDED_IN', decision, deliberation);
          link('AUTHORED_BY', decision, actor());
          link('AUTHORED_BY', deliberation, actor());
          return decision;
        });
        link('SUPERSEDES', decisions[2]!, decisions[0]!);
      }
    }
  }
  return { nodes, edges, stories, lastEpic };
}

const SQLITE_SCHEMA = `
  CREATE TABLE nodes (kind TEXT, id TEXT, title TEXT, body TEXT, props TEXT, updated_at INTEGER, PRIMARY KEY (kind, id)) WITHOUT ROWID;
  CREATE TABLE edges (kind TEXT, from_kind TEXT, from_id TEXT, to_kind TEXT, to_id TEXT,
    PRIMARY KEY (from_kind, from_id, kind, to_kind, to_id)) WITHOUT ROWID;
  CREATE INDEX edges_to ON edges (to_kind, to_id);`;

// Both directions, each reached node once at its smallest distance, the root left out; then the edges
// with both ends inside. The same work the adapter does.
const SQLITE_REACH = `
  WITH RECURSIVE reach(kind, id, d) AS (
    SELECT @kind, @id, 0
    UNION
    SELECT e.to_kind, e.to_id, r.d + 1 FROM reach r JOIN edges e ON e.from_kind = r.kind AND e.from_id = r.id WHERE r.d < 3
    UNION
    SELECT e.from_kind, e.from_id, r.d + 1 FROM reach r JOIN edges e ON e.to_kind = r.kind AND e.to_id = r.id WHERE r.d < 3
  )
  SELECT n.kind, n.id, n.title, n.body, n.props, n.updated_at, min(r.d) AS distance
  FROM reach r JOIN nodes n ON n.kind = r.kind AND n.id = r.id
  WHERE NOT (r.kind = @kind AND r.id = @id)
  GROUP BY r.kind, r.id ORDER BY distance, n.kind, n.id`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-graph-bench-'));
  try {
    const { nodes, edges, stories, lastEpic } = generate();
    print('graph_nodes', String(nodes.length));
    print('graph_edges', String(edges.length));
    const pick = (n: number, offset: number): NodeRef[] =>
      Array.from({ length: n }, (_, i) => stories[(i * 7919 + offset) % stories.length]!);
    const sample = pick(SAMPLES, 0);

    const graph = await openKuzuGraph({ path: join(dir, 'graph.kuzu') });
    let started = performance.now();
    await graph.bulkLoad(nodes.slice(0, lastEpic.nodes), edges.slice(0, lastEpic.edges));
    const graphBulkWrite = (lastEpic.nodes + lastEpic.edges) / ((performance.now() - started) / 1000);
    started = performance.now();
    await graph.upsertNodes(nodes.slice(lastEpic.nodes));
    await graph.link(edges.slice(lastEpic.edges));
    const graphWrite = (nodes.length - lastEpic.nodes + edges.length - lastEpic.edges) / ((performance.now() - started) / 1000);

    const heapBefore = heapUsed();
    started = performance.now();
    await graph.neighbourhood(sample[0]!, 1);
    const adjacencyLoad = performance.now() - started;
    const adjacencyMb = (heapUsed() - heapBefore) / 2 ** 20;

    let reached = 0;
    let graphEdges = 0;
    const graphTimes = await timeEach(sample, async (story) => {
      const hood = await graph.neighbourhood(story, 3);
      reached += hood.nodes.length;
      graphEdges += hood.edges.length;
    });
    const builder = new ContextBuilder(graph, (text) => Math.ceil(text.length / 4));
    const coldTimes = await timeEach(sample, (story) => builder.build({ storyId: story.id, role: 'DEV', phase: 'BUILD' }));
    // Other stories than the cold sample's (none shared): no miss reads a story the cold pass just read.
    const cache = await measureCache(builder, pick(CACHE_STORIES, 1), join(dir, 'fleet.db'));
    await graph.close();

    const db = new Database(join(dir, 'graph.sqlite'));
    db.pragma('journal_mode = WAL');
    db.exec(SQLITE_SCHEMA);
    const insertNode = db.prepare('INSERT OR REPLACE INTO nodes VALUES (?, ?, ?, ?, ?, ?)');
    const insertEdge = db.prepare('INSERT OR IGNORE INTO edges VALUES (?, ?, ?, ?, ?)');
    started = performance.now();
    for (let i = 0; i < nodes.length; i += NODE_BATCH) {
      db.transaction(() => {
        for (const n of nodes.slice(i, i + NODE_BATCH))
          insertNode.run(n.kind, n.id, n.title, n.body, JSON.stringify(n.props), n.updatedAtMs);
      })();
    }
    for (let i = 0; i < edges.length; i += EDGE_BATCH) {
      db.transaction(() => {
        for (const e of edges.slice(i, i + EDGE_BATCH)) insertEdge.run(e.kind, e.from.kind, e.from.id, e.to.kind, e.to.id);
      })();
    }
    const sqliteWrite = (nodes.length + edges.length) / ((performance.now() - started) / 1000);

    const reach = db.prepare(SQLITE_REACH);
    const edgesFrom = db.prepare('SELECT kind, to_kind, to_id FROM edges WHERE from_kind = ? AND from_id = ?');
    let sqliteReached = 0;
    let sqliteEdges = 0;
    const sqliteTimes = await timeEach(sample, (story) => {
      const rows = reach.all({ kind: story.kind, id: story.id }) as { kind: string; id: string }[];
      const inside = new Set([story, ...rows].map((r) => `${r.kind}/${r.id}`));
      let among = 0;
      for (const r of [story, ...rows]) {
        for (const e of edgesFrom.all(r.kind, r.id) as { to_kind: string; to_id: string }[])
          if (inside.has(`${e.to_kind}/${e.to_id}`)) among++;
      }
      sqliteReached += rows.length;
      sqliteEdges += among;
    });
    db.close();

    print('graph_neighbourhood_nodes_mean', (reached / SAMPLES).toFixed(0));
    print('sqlite_neighbourhood_nodes_mean', (sqliteReached / SAMPLES).toFixed(0));
    print('graph_neighbourhood_edges_mean', (graphEdges / SAMPLES).toFixed(0));
    print('sqlite_neighbourhood_edges_mean', (sqliteEdges / SAMPLES).toFixed(0));
    const baseline = percentile(sqliteTimes, 50);
    const beside = (name: string, times: readonly number[]): void => {
      printPercentiles(name, times);
      print(`${name}_vs_sqlite_cte_p50`, `${(percentile(times, 50) / baseline).toFixed(2)}x`);
    };
    beside('rehydration_cold', coldTimes);
    beside('graph_neighbourhood', graphTimes);
    printPercentiles('sqlite_cte', sqliteTimes);
    printPercentiles('rehydration_cached', cache.hits);
    printPercentiles('rehydration_cached_miss', cache.misses);
    print('rehydration_cached_hit_ratio', cache.hitRatio.toFixed(2));
    print('rehydration_cached_context_chars_mean', cache.contextChars.toFixed(0));
    printPercentiles('rehydration_after_update', cache.afterUpdate);
    const verdict = (name: string, times: readonly number[], what: string): string => {
      const p50 = percentile(times, 50);
      return `${p50 <= GOAL_MS ? 'met' : 'missed'} by ${name} (${p50.toFixed(2)} ms, ${what})`;
    };
    print(
      'rehydration_goal',
      [
        `p50 ≤ ${GOAL_MS} ms ${verdict('rehydration_cached', cache.hits, `served: warm hits, hit ratio ${cache.hitRatio.toFixed(2)}`)}`,
        verdict('rehydration_cold', coldTimes, 'ContextBuilder.build'),
        verdict('rehydration_after_update', cache.afterUpdate, 'a miss that rebuilds'),
      ].join('; '),
    );
    print('graph_adjacency_load_ms', adjacencyLoad.toFixed(0), 'ms');
    print('graph_adjacency_mb', adjacencyMb.toFixed(1), 'MiB');
    print('graph_bulk_write_per_s', graphBulkWrite.toFixed(0), 'rows/s');
    print('graph_write_per_s', graphWrite.toFixed(0), 'rows/s');
    print('sqlite_write_per_s', sqliteWrite.toFixed(0), 'rows/s');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
