import type { ContextChange } from '../../../proto/gen/fleet/context/v1/context.js';
import { invalidArgument } from '../../domain/errors.js';
import { parseRole } from '../../domain/validation.js';
import type { DecisionFields, EntityChange, MilestoneFields, SubtaskFields } from '../../ports/context-service.js';
import { wireId } from './request-mapping.js';

const OPERATIONS = ['CREATE', 'UPDATE', 'DELETE'] as const;
const PAYLOAD_KEYS = {
  DECISION: ['title', 'rationale', 'status', 'alternatives'],
  SUBTASK: ['title', 'description', 'role', 'status', 'priority', 'dependencies'],
  MILESTONE: ['decision_id', 'title', 'status'],
} as const;

type Payload = Readonly<Record<string, unknown>>;

/**
 * An UpdateContext request's changes, each checked before any is applied: what the graph can take, and
 * warnings for the rest. A DELETE is never applied, since the graph keeps its history; a kind it has no
 * place for is answered, not refused, so that a client written for a richer graph still gets the rest in.
 */
export function parseChanges(changes: readonly ContextChange[]): { changes: EntityChange[]; warnings: string[] } {
  const parsed: EntityChange[] = [];
  const warnings: string[] = [];
  changes.forEach((c, i) => {
    const at = `changes[${i}]`;
    const operation = OPERATIONS.find((o) => o === c.operation.trim().toUpperCase());
    if (operation === undefined) throw invalidArgument(`${at}.operation`, `one of ${OPERATIONS.join(', ')}`, c.operation);
    const entity = c.entityType.trim().toUpperCase();
    if (entity === '') throw invalidArgument(`${at}.entity_type`, `a kind such as ${Object.keys(PAYLOAD_KEYS).join(' or ')}`);
    const id = wireId(c.entityId, `${at}.entity_id`);
    if (operation === 'DELETE') return void warnings.push(`${at}: DELETE ${entity} ${id} not applied: the context graph keeps its history`);
    if (entity !== 'DECISION' && entity !== 'SUBTASK' && entity !== 'MILESTONE')
      return void warnings.push(
        `${at}: ${operation} ${entity} ${id} not applied: the context graph holds decisions, subtasks and milestones`,
      );
    if (entity === 'MILESTONE' && operation === 'UPDATE')
      return void warnings.push(`${at}: UPDATE MILESTONE ${id} not applied: a milestone is reached once, then kept as it was`);
    const field = `${at}.payload`;
    const payload = objectOf(c.payload, field);
    const unknown = Object.keys(payload).filter((k) => !(PAYLOAD_KEYS[entity] as readonly string[]).includes(k));
    if (unknown.length > 0) warnings.push(`${field}: ignored ${unknown.join(', ')} (a ${entity} has ${PAYLOAD_KEYS[entity].join(', ')})`);
    if (operation === 'CREATE' && payload['title'] === undefined) throw invalidArgument(`${field}.title`, 'a non-empty string');
    if (entity === 'MILESTONE') parsed.push({ entity, operation: 'CREATE', id, at, fields: milestoneFields(payload, field) });
    else if (entity === 'DECISION') parsed.push({ entity, operation, id, at, fields: decisionFields(payload, field) });
    else parsed.push({ entity, operation, id, at, fields: subtaskFields(payload, field) });
  });
  return { changes: parsed, warnings };
}

function objectOf(json: string, field: string): Payload {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw invalidArgument(field, 'a JSON object', json);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalidArgument(field, 'a JSON object', JSON.stringify(value));
  return value as Payload;
}

function decisionFields(p: Payload, field: string): DecisionFields {
  return {
    ...text(p, 'title', field, true),
    ...text(p, 'rationale', field),
    ...text(p, 'status', field, true),
    ...text(p, 'alternatives', field),
  };
}

function milestoneFields(p: Payload, field: string): MilestoneFields {
  const decisionId = p['decision_id'];
  if (typeof decisionId !== 'string')
    throw invalidArgument(`${field}.decision_id`, 'the id of the decision it was reached in', JSON.stringify(decisionId));
  return { decisionId: wireId(decisionId, `${field}.decision_id`), ...text(p, 'title', field, true), ...text(p, 'status', field, true) };
}

function subtaskFields(p: Payload, field: string): SubtaskFields {
  const { role, priority, dependencies } = p;
  if (role !== undefined && typeof role !== 'string') throw invalidArgument(`${field}.role`, 'a role name', JSON.stringify(role));
  if (priority !== undefined && !(typeof priority === 'number' && Number.isInteger(priority) && priority >= 0))
    throw invalidArgument(`${field}.priority`, 'an integer, zero or more', JSON.stringify(priority));
  if (dependencies !== undefined && !Array.isArray(dependencies))
    throw invalidArgument(`${field}.dependencies`, 'an array of task ids', JSON.stringify(dependencies));
  return {
    ...text(p, 'title', field, true),
    ...text(p, 'description', field),
    ...text(p, 'status', field, true),
    ...(role === undefined ? {} : { role: parseRole(role, `${field}.role`) }),
    ...(priority === undefined ? {} : { priority }),
    ...(dependencies === undefined
      ? {}
      : {
          dependencies: dependencies.map((d: unknown, i) => {
            if (typeof d !== 'string') throw invalidArgument(`${field}.dependencies[${i}]`, 'a task id', JSON.stringify(d));
            return wireId(d, `${field}.dependencies[${i}]`);
          }),
        }),
  };
}

/** The key's string, when present; `nonEmpty` for what a reader shows as a name or a state. */
function text<K extends string>(p: Payload, key: K, field: string, nonEmpty = false): Partial<Record<K, string>> {
  const value = p[key];
  if (value === undefined) return {};
  if (typeof value !== 'string' || (nonEmpty && value.trim() === ''))
    throw invalidArgument(`${field}.${key}`, nonEmpty ? 'a non-empty string' : 'a string', JSON.stringify(value));
  return { [key]: nonEmpty ? value.trim() : value } as Partial<Record<K, string>>;
}
