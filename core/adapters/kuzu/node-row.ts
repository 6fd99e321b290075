import { z } from 'zod';
import type { GraphNode } from '../../domain/context-graph.js';
import { NODE_KINDS } from '../../domain/context-graph.js';
import { FleetError } from '../../domain/errors.js';

/** The columns every query returns for a node, under these names. */
export const NODE_COLUMNS = (v: string): string =>
  `label(${v}) AS kind, ${v}.id AS id, ${v}.title AS title, ${v}.body AS body, ${v}.props AS props, ${v}.updated_at AS updatedAtMs`;

const props = z.record(z.string(), z.string());

const nodeRow = z.object({
  kind: z.enum(NODE_KINDS),
  id: z.string(),
  title: z.string(),
  body: z.string(),
  props: z.string(),
  updatedAtMs: z.number().int(),
});

/** A stored node as the domain has it; a row that is not one is INTERNAL, naming the node. */
export function toGraphNode(row: Record<string, unknown>): GraphNode {
  const parsed = nodeRow.safeParse(row);
  const name = `${String(row['kind'])}/${String(row['id'])}`;
  if (!parsed.success) throw corrupt(name, z.prettifyError(parsed.error));
  let decoded: unknown;
  try {
    decoded = JSON.parse(parsed.data.props);
  } catch (error) {
    throw corrupt(name, `props is not JSON: ${(error as Error).message}`);
  }
  const checked = props.safeParse(decoded);
  if (!checked.success) throw corrupt(name, `props: ${z.prettifyError(checked.error)}`);
  return { ...parsed.data, props: checked.data };
}

const corrupt = (name: string, why: string): FleetError => new FleetError('INTERNAL', `graph node ${name} is unreadable: ${why}`);
