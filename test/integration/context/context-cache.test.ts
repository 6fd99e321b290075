import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openKuzuGraph } from '../../../core/adapters/kuzu/index.js';
import { followContextUpdates } from '../../../core/adapters/nats/context-updates.js';
import { natsPlanningEvents } from '../../../core/adapters/nats/planning-events.js';
import { createSqliteStores } from '../../../core/adapters/sqlite/sqlite-stores.js';
import { CachedContextReader, invalidatingOnUpdate } from '../../../core/app/cached-context.js';
import { ContextBuilder } from '../../../core/app/context.js';
import type { GraphNode } from '../../../core/domain/context-graph.js';
import type { ContextGraph } from '../../../core/ports/context-graph.js';
import type { ContextCache } from '../../../core/ports/context-cache.js';
import { startTestNatsServer, type TestNatsServer } from '../../support/nats-server.js';
import { useTempDir } from '../sqlite/temp-dir.js';

const chars = (text: string): number => Math.ceil(text.length / 4);
const REQUEST = { storyId: 's-1', role: 'DEV', phase: 'BUILD' } as const;

const node = (kind: GraphNode['kind'], id: string, title: string, props: Record<string, string> = {}): GraphNode => ({
  kind,
  id,
  title,
  body: '',
  props,
  updatedAtMs: Date.now(),
});

/** The graph, counting how often a context is read out of it. */
function counting(graph: ContextGraph): { graph: ContextGraph; reads: () => number } {
  let reads = 0;
  return {
    graph: {
      upsertNodes: (n) => graph.upsertNodes(n),
      link: (e) => graph.link(e),
      node: (r) => graph.node(r),
      list: (k, o) => graph.list(k, o),
      close: () => graph.close(),
      neighbourhood: (...args) => {
        reads++;
        return graph.neighbourhood(...args);
      },
    },
    reads: () => reads,
  };
}

async function decide(graph: ContextGraph, id: string, title: string): Promise<void> {
  await graph.upsertNodes([node('Decision', id, title, { role: 'DEV', status: 'approved' })]);
  await graph.link([{ kind: 'AFFECTS', from: { kind: 'Decision', id }, to: { kind: 'Story', id: 's-1' } }]);
}

describe('the rehydration cache (SQLite file, Kuzu file)', () => {
  const dir = useTempDir();
  const closing: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const close of closing.splice(0).reverse()) await close();
  });

  async function setup(): Promise<{ graph: ContextGraph; reads: () => number; cache: ContextCache; reader: CachedContextReader }> {
    const kuzu = await openKuzuGraph({ path: join(dir(), 'context.kuzu') });
    closing.push(() => kuzu.close());
    const stores = createSqliteStores(join(dir(), 'fleet.db'));
    closing.push(() => {
      stores.close();
    });
    const { graph, reads } = counting(kuzu);
    await graph.upsertNodes([node('Story', 's-1', 'Refund a card payment', { state: 'READY_FOR_PLANNING' })]);
    await decide(graph, 'decision-1', 'Refunds go through the gateway');
    const cache = stores.contextCache;
    return { graph, reads, cache, reader: new CachedContextReader(new ContextBuilder(graph, chars), cache) };
  }

  it('serves a second identical request from the cache, and another role, phase or budget from the graph', async () => {
    const { reads, reader } = await setup();
    const first = await reader.build(REQUEST);
    expect(reads()).toBe(1);
    expect(await reader.build(REQUEST)).toEqual(first);
    expect(reads()).toBe(1);
    await reader.build({ ...REQUEST, tokenBudget: 50 });
    await reader.build({ ...REQUEST, phase: 'DESIGN' });
    await reader.build({ ...REQUEST, role: 'QA' });
    await reader.build({ ...REQUEST, subtaskId: 't-1' });
    expect(reads()).toBe(5);
  });

  it('rebuilds after this process announces context.updated, showing the new decision', async () => {
    const { graph, reads, cache, reader } = await setup();
    const published: string[] = [];
    const events = invalidatingOnUpdate({ publish: (type) => Promise.resolve(void published.push(type)) }, cache);
    await reader.build(REQUEST);
    await decide(graph, 'decision-2', 'Partial refunds are allowed');
    await events.publish('context.updated', { story_id: 's-1', version: 2 }, 's-1:2');
    const after = await reader.build(REQUEST);
    expect(after.context).toContain('Partial refunds are allowed');
    expect(reads()).toBe(2);
    expect(published).toEqual(['context.updated']);
  });

  it('does not serve an entry built while the graph changed', async () => {
    const { graph, cache, reader } = await setup();
    const stale = await cache.generation('s-1');
    await decide(graph, 'decision-2', 'Partial refunds are allowed');
    await cache.invalidate('s-1');
    await cache.put(REQUEST, stale, { ...(await reader.build(REQUEST)), context: 'stale' });
    expect((await reader.build(REQUEST)).context).toContain('Partial refunds are allowed');
  });

  describe('over NATS', () => {
    let nats: TestNatsServer | undefined;
    afterEach(async () => {
      await nats?.stop();
      nats = undefined;
    });

    it('invalidates on a flat context.updated another client publishes, through JetStream or plain NATS, and skips a malformed one', async () => {
      const { graph, reads, cache, reader } = await setup();
      nats = await startTestNatsServer();
      const ours = await nats.connect();
      const updated: string[] = [];
      const malformed: string[] = [];
      const follow = followContextUpdates(
        ours,
        async (u) => {
          await cache.invalidate(u.storyId);
          updated.push(`${u.storyId}@${u.version}`);
        },
        (reason) => malformed.push(reason),
      );
      closing.push(() => follow.stop());
      await ours.flush();
      const other = await nats.connect();

      await reader.build(REQUEST);
      other.publish('context.updated', JSON.stringify({ story_id: 's-1' }));
      other.publish('context.updated', 'not json');
      await decide(graph, 'decision-2', 'Partial refunds are allowed');
      await natsPlanningEvents(other).publish('context.updated', { story_id: 's-1', version: 7 }, 's-1:7');
      await expect.poll(() => updated).toEqual(['s-1@7']);
      expect(malformed).toEqual([expect.stringContaining('version'), expect.stringContaining('JSON')]);
      expect((await reader.build(REQUEST)).context).toContain('Partial refunds are allowed');
      expect(reads()).toBe(2);

      await decide(graph, 'decision-3', 'Refunds are logged');
      other.publish('context.updated', JSON.stringify({ story_id: 's-1', version: '8' }));
      await expect.poll(() => updated).toEqual(['s-1@7', 's-1@8']);
      expect((await reader.build(REQUEST)).context).toContain('Refunds are logged');
    });
  });
});
