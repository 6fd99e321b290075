// The Kuzu adapter's public entry: the embedded context graph, on disk in the data folder.
import type { KuzuContextGraph } from './kuzu-context-graph.js';
import { kuzuContextGraph } from './kuzu-context-graph.js';

export type { KuzuContextGraph } from './kuzu-context-graph.js';
import { KuzuSession } from './kuzu-session.js';
import { SCHEMA } from './schema.js';

export interface KuzuGraphOptions {
  /** The database file; its folder is created if missing. */
  readonly path: string;
}

/** Opens (creating the schema if missing) the graph at `path`. Call `close` before the process ends. */
export async function openKuzuGraph(options: KuzuGraphOptions): Promise<KuzuContextGraph> {
  const session = await KuzuSession.open(options.path);
  try {
    await session.exclusive(async () => {
      for (const statement of SCHEMA) await session.rows(statement);
    });
  } catch (error) {
    await session.close();
    throw error;
  }
  return kuzuContextGraph(session);
}
