import { EDGE_ENDPOINTS, EDGE_KINDS, NODE_KINDS } from '../../domain/context-graph.js';

/**
 * One node table per kind, one relationship table per edge kind holding every pair of kinds it joins.
 * Table names come from the domain's closed lists, never from input: Cypher takes values as parameters
 * but not labels.
 */
export const SCHEMA: readonly string[] = [
  ...NODE_KINDS.map(
    (kind) => `CREATE NODE TABLE IF NOT EXISTS ${kind}(id STRING PRIMARY KEY, title STRING, body STRING, props STRING, updated_at INT64)`,
  ),
  ...EDGE_KINDS.map(
    (kind) => `CREATE REL TABLE IF NOT EXISTS ${kind}(${EDGE_ENDPOINTS[kind].map(([from, to]) => `FROM ${from} TO ${to}`).join(', ')})`,
  ),
];
