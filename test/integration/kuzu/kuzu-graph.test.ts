import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import kuzu from 'kuzu';
import { afterEach, describe, expect, it } from 'vitest';
import { openKuzuGraph } from '../../../core/adapters/kuzu/index.js';
import type { GraphNode, NodeKind } from '../../../core/domain/context-graph.js';
import { FleetError } from '../../../core/domain/errors.js';
import type { ContextGraph } from '../../../core/ports/context-graph.js';
import { describeContextGraphContract } from '../../support/context-graph-contract.js';

const tempDir = (): string => mkdtempSync(join(tmpdir(), 'fleet-kuzu-'));

describeContextGraphContract('Kuzu', async () => {
  const dir = tempDir();
  const path = join(dir, 'graph.kuzu');
  let graph = await openKuzuGraph({ path });
  return {
    graph,
    async reopen() {
      await graph.close();
      graph = await openKuzuGraph({ path });
      return graph;
    },
    async cleanup() {
      await graph.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('Kuzu graph', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const newPath = (): string => {
    const dir = tempDir();
    dirs.push(dir);
    return join(dir, 'data', 'graph.kuzu');
  };

  it('lets a process that opened, wrote, read and closed the graph exit cleanly', () => {
    const script = fileURLToPath(new URL('graph-process.ts', import.meta.url));
    const child = spawnSync(process.execPath, ['--import', 'tsx', script, newPath()], { encoding: 'utf8', timeout: 60_000 });
    expect({ status: child.status, signal: child.signal, stderr: child.stderr }).toEqual({ status: 0, signal: null, stderr: '' });
    expect(child.stdout.trim()).toBe('reached 1');
  });

  it('answers INTERNAL naming the node when a stored row is corrupt', async () => {
    const path = newPath();
    let graph: ContextGraph = await openKuzuGraph({ path });
    await graph.upsertNodes([{ kind: 'Decision', id: 'decision-9', title: 'd', body: '', props: {}, updatedAtMs: 1 }]);
    await graph.close();
    await corrupt(path, "MATCH (n:Decision {id: 'decision-9'}) SET n.props = '[1,2'");
    graph = await openKuzuGraph({ path });
    try {
      const error: unknown = await graph.node({ kind: 'Decision', id: 'decision-9' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FleetError);
      expect(error).toMatchObject({ code: 'INTERNAL', message: expect.stringContaining('Decision/decision-9') as unknown });
    } finally {
      await graph.close();
    }
  });

  it('walks edges linked after its first walk, and reads them again after reopening', async () => {
    const path = newPath();
    const at = (kind: NodeKind, id: string): GraphNode => ({ kind, id, title: id, body: '', props: {}, updatedAtMs: 1 });
    const story = { kind: 'Story', id: 's' } as const;
    const reached = async (graph: ContextGraph): Promise<string[]> =>
      (await graph.neighbourhood(story, 2)).nodes.map((n) => `${n.kind}/${n.id}@${n.distance}`);
    let graph = await openKuzuGraph({ path });
    try {
      await graph.upsertNodes([at('Story', 's'), at('Task', 't1'), at('Task', 't2')]);
      await graph.link([{ kind: 'HAS_TASK', from: story, to: { kind: 'Task', id: 't1' } }]);
      expect(await reached(graph)).toEqual(['Task/t1@1']);
      await graph.link([{ kind: 'DEPENDS_ON', from: { kind: 'Task', id: 't2' }, to: { kind: 'Task', id: 't1' } }]);
      expect(await reached(graph)).toEqual(['Task/t1@1', 'Task/t2@2']);
      await graph.close();
      graph = await openKuzuGraph({ path });
      expect(await reached(graph)).toEqual(['Task/t1@1', 'Task/t2@2']);
    } finally {
      await graph.close();
    }
  });

  it('bulk-loads nodes and edges that read back as written, text with quotes, commas and lines included', async () => {
    const graph = await openKuzuGraph({ path: newPath() });
    try {
      const story: GraphNode = {
        kind: 'Story',
        id: 's',
        title: 'a "quoted", title',
        body: 'line one\nline two, "three"',
        props: { k: 'v,"w"' },
        updatedAtMs: 7,
      };
      const task: GraphNode = { kind: 'Task', id: 't', title: 't', body: '', props: {}, updatedAtMs: 8 };
      await graph.neighbourhood(story, 1).catch(() => undefined);
      await graph.bulkLoad([story, task], [{ kind: 'HAS_TASK', from: story, to: task }]);
      expect(await graph.node(story)).toEqual(story);
      const hood = await graph.neighbourhood(story, 1);
      expect(hood.nodes).toEqual([{ ...task, distance: 1 }]);
      expect(hood.edges).toEqual([{ kind: 'HAS_TASK', from: { kind: 'Story', id: 's' }, to: { kind: 'Task', id: 't' } }]);
      await expect(graph.bulkLoad([task], [])).rejects.toMatchObject({ code: 'FAILED_PRECONDITION' });
    } finally {
      await graph.close();
    }
  });

  it('refuses a limit that is not a positive integer, naming it', async () => {
    const graph = await openKuzuGraph({ path: newPath() });
    try {
      await expect(graph.list('Task', { limit: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'limit' });
    } finally {
      await graph.close();
    }
  });
});

/** Writes behind the adapter's back, as a damaged or foreign file would read. */
async function corrupt(path: string, statement: string): Promise<void> {
  const database = new kuzu.Database(path);
  const connection = new kuzu.Connection(database);
  const result = await connection.query(statement);
  for (const r of Array.isArray(result) ? result : [result]) r.close();
  await connection.close();
  await database.close();
}
