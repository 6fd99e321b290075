import { createHash } from 'node:crypto';
import type { Role } from '../../../domain/role.js';

/** The AgentTurns phases that travel as requests (the domain's phases less `rank`, which needs no model). */
export const TURN_PHASES = ['propose', 'critique', 'revise', 'score', 'choose'] as const;
export type TurnPhase = (typeof TURN_PHASES)[number];

// Requests and replies live in AGENT_REQUESTS / AGENT_RESPONSES. Replies sit under their own token
// (`turn`) so they never mix with the event bus's `agent.response.completed|failed` progress events.
// Progress and cancellation are core NATS: they are only worth something while both ends are up.
export const TURN_SUBJECT = {
  requestPrefix: 'agent.request.',
  responsePrefix: 'agent.response.turn.',
  progressPrefix: 'agent.progress.',
  cancelPrefix: 'agent.cancel.',
} as const;

/** Envelope types: the subjects' fixed part (the envelope rule lets a subject add routing tokens). */
export const TURN_EVENT_TYPE = { request: 'agent.request', response: 'agent.response.turn' } as const;

export const requestSubject = (role: Role, phase: TurnPhase): string => `${TURN_SUBJECT.requestPrefix}${role}.${phase}`;
export const roleRequestFilter = (role: Role): string => `${TURN_SUBJECT.requestPrefix}${role}.>`;
export const responseSubject = (requestId: string): string => `${TURN_SUBJECT.responsePrefix}${requestId}`;
export const progressSubject = (requestId: string): string => `${TURN_SUBJECT.progressPrefix}${requestId}`;
export const cancelSubject = (requestId: string): string => `${TURN_SUBJECT.cancelPrefix}${requestId}`;

/** Message id of a worker's reply: one stored reply per request, however often the worker retries. */
export const responseMessageId = (requestId: string): string => `${requestId}.response`;

/** The request id a reply, progress or cancel subject names, or undefined when it names none. */
export function requestIdOf(subject: string, prefix: string): string | undefined {
  if (!subject.startsWith(prefix)) return undefined;
  const id = subject.slice(prefix.length);
  return REQUEST_ID.test(id) ? id : undefined;
}

/** Subject tokens the ids may use: no wildcards, no whitespace, no empty token. */
const SAFE_PART = /^[A-Za-z0-9_:-]+(\.[A-Za-z0-9_:-]+)*$/;
export const REQUEST_ID = SAFE_PART;

/**
 * `<task_id>[.a<attempt>].<phase>.<round|0>.<agent_id>[.<subject>]`: the same turn of the same
 * deliberation always gets the same id, so a retried publish is dropped by the stream's duplicate
 * window instead of becoming a second request. A later attempt of the task (after the first failed)
 * names itself, so its turns are new requests rather than duplicates of the failed attempt's. Ids are
 * subject tokens; a part that could not be one (a task id such as `a..b`, an agent id with a space) is
 * replaced by a digest of itself, which keeps the id deterministic.
 */
export function turnRequestId(parts: {
  readonly taskId: string;
  /** 1 when absent; the first attempt's ids carry no attempt part. */
  readonly attempt?: number;
  readonly phase: TurnPhase;
  readonly round?: number;
  readonly agentId: string;
  readonly subject?: string;
}): string {
  const tail = parts.subject === undefined ? [] : [safePart(parts.subject)];
  const attempt = parts.attempt === undefined || parts.attempt <= 1 ? [] : [`a${parts.attempt}`];
  return [safePart(parts.taskId), ...attempt, parts.phase, String(parts.round ?? 0), safePart(parts.agentId), ...tail].join('.');
}

function safePart(part: string): string {
  if (SAFE_PART.test(part) && part.length <= 160) return part;
  return `x${createHash('sha256').update(part).digest('hex').slice(0, 24)}`;
}
