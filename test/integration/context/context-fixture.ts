import { join } from 'node:path';
import { afterEach } from 'vitest';
import { startGrpcServer } from '../../../core/adapters/grpc/grpc-server.js';
import { openKuzuGraph } from '../../../core/adapters/kuzu/index.js';
import { createSqliteStores } from '../../../core/adapters/sqlite/sqlite-stores.js';
import { CachedContextReader, invalidatingOnUpdate } from '../../../core/app/cached-context.js';
import { ContextBuilder } from '../../../core/app/context.js';
import { ContextPacks } from '../../../core/app/context-packs.js';
import { ContextWriter } from '../../../core/app/context-writer.js';
import type { ContextGraph } from '../../../core/ports/context-graph.js';
import { connectClusterClient } from '../../support/cluster-client.js';
import { ScriptedFleetService } from '../grpc/scripted-fleet-service.js';
import { useTempDir } from '../sqlite/temp-dir.js';

const chars = (text: string): number => Math.ceil(text.length / 4);

/**
 * The context service as the daemon wires it, in a fresh directory per test: the graph (a Kuzu file
 * unless another is given), the cached reader over a SQLite file, the writer on a ticking clock, and
 * every context.updated it announces.
 */
export function useContextService() {
  const dir = useTempDir();
  const closing: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const close of closing.splice(0).reverse()) await close();
  });

  async function setup(given?: ContextGraph) {
    const graph = given ?? (await openKuzuGraph({ path: join(dir(), 'context.kuzu') }));
    closing.push(() => graph.close());
    const stores = createSqliteStores(join(dir(), 'fleet.db'));
    closing.push(() => {
      stores.close();
    });
    const cache = stores.contextCache;
    const announced: unknown[] = [];
    const events = invalidatingOnUpdate({ publish: (_type, fields) => Promise.resolve(void announced.push(fields)) }, cache);
    let t = 1_000;
    let n = 0;
    const clock = { now: () => ++t, newId: () => String(++n) };
    const writer = new ContextWriter({
      graph,
      clock,
      contextUpdated: (storyId, atMs) => events.publish('context.updated', { story_id: storyId, version: atMs }, `${storyId}:${atMs}`),
    });
    const reader = new CachedContextReader(new ContextBuilder(graph, chars), cache);
    return { graph, writer, cache, announced, reader, packs: new ContextPacks(graph, chars, clock) };
  }

  /** The same, served over gRPC, with a client of the cluster's ContextService. */
  async function serve(given?: ContextGraph) {
    const wired = await setup(given);
    const { graph, writer, cache, reader, packs } = wired;
    const server = await startGrpcServer({
      fleet: new ScriptedFleetService().useCases,
      version: 'test',
      port: 0,
      shutdownGraceMs: 300,
      context: { reader, graph, writer, cache, packs },
    });
    closing.push(() => server.stop());
    const client = connectClusterClient(`127.0.0.1:${server.port}`, { package: 'fleet.context.v1', service: 'ContextService' });
    closing.push(() => client.close());
    return { ...wired, client };
  }

  return { setup, serve };
}
