import { z } from 'zod';
import type { Agent } from '../../../domain/council.js';
import type { DeliberationResult } from '../../../domain/deliberation.js';
import { ERROR_CODES, type ErrorCode, FleetError } from '../../../domain/errors.js';
import type { Critique, Proposal, ProposalContent } from '../../../domain/proposal.js';
import { ROLES, type Role } from '../../../domain/role.js';
import type { Task } from '../../../domain/task.js';
import type { ChoiceValue, CritiqueValue, JudgmentValue, TurnOutput } from '../../../ports/agent-turns.js';
import type { GenerateProgress } from '../../../ports/language-model.js';
import { ENVELOPE_VERSION, type EventEnvelope, encodeEnvelope, parseEnvelope } from '../event-envelope.js';
import { check, invalid } from '../event-json.js';
import {
  agentWire,
  contentWire,
  critiqueWire,
  proposalWire,
  resultWire,
  taskWire,
  toAgentWire,
  toContentWire,
  toCritiqueWire,
  toProposalWire,
  toResultWire,
  toTaskWire,
} from './domain-wire-format.js';
import { REQUEST_ID, responseMessageId, TURN_EVENT_TYPE, TURN_PHASES, TURN_SUBJECT, type TurnPhase } from './turn-subjects.js';

/** One turn as a worker receives it: the domain values its AgentTurns method takes. */
export type TurnRequest = TurnRequestHead &
  (
    | { readonly phase: 'propose'; readonly agent: Agent }
    | { readonly phase: 'critique'; readonly agent: Agent; readonly round: number; readonly target: Proposal }
    | { readonly phase: 'revise'; readonly agent: Agent; readonly proposal: Proposal; readonly critique: Critique }
    | { readonly phase: 'score'; readonly proposal: Proposal }
    | { readonly phase: 'choose'; readonly agent: Agent; readonly candidates: readonly DeliberationResult[] }
  );

interface TurnRequestHead {
  readonly requestId: string;
  /** The role whose workers serve it (the agent's; the task's for the judge). */
  readonly role: Role;
  readonly task: Task;
  /** When the requester stops waiting: a worker does not start the turn after this. */
  readonly expiresAtMs: number;
}

/** What each phase's turn produces. */
export interface TurnValues {
  propose: ProposalContent;
  critique: CritiqueValue;
  revise: ProposalContent;
  score: JudgmentValue;
  choose: ChoiceValue;
}

/** A worker's reply: the turn's output, or the error the turn threw. */
export type TurnResponse =
  | { readonly status: 'ok'; readonly phase: TurnPhase; readonly output: TurnOutput<unknown>; readonly worker?: string }
  | { readonly status: 'error'; readonly phase: TurnPhase; readonly code: ErrorCode; readonly message: string; readonly worker?: string };

const role = z.enum(ROLES);
const head = { role, task: taskWire, expires_at: z.iso.datetime({ offset: true }) };

const requestPayload = z.discriminatedUnion('phase', [
  z.object({ phase: z.literal('propose'), ...head, agent: agentWire }),
  z.object({ phase: z.literal('critique'), ...head, agent: agentWire, round: z.number().int().nonnegative(), target: proposalWire }),
  z.object({ phase: z.literal('revise'), ...head, agent: agentWire, proposal: proposalWire, critique: critiqueWire }),
  z.object({ phase: z.literal('score'), ...head, proposal: proposalWire }),
  z.object({ phase: z.literal('choose'), ...head, agent: agentWire, candidates: z.array(resultWire).min(1) }),
]);

const turnOutput = { raw: z.string(), completion_tokens: z.number().int().nonnegative(), duration_ms: z.number().nonnegative() };
const responsePayload = z.discriminatedUnion('status', [
  z.object({ status: z.literal('ok'), phase: z.enum(TURN_PHASES), value: z.unknown(), ...turnOutput, worker: z.string().optional() }),
  z.object({
    status: z.literal('error'),
    phase: z.enum(TURN_PHASES),
    code: z.enum(ERROR_CODES),
    message: z.string(),
    worker: z.string().optional(),
  }),
]);

const VALUE_SCHEMAS: { readonly [P in TurnPhase]: z.ZodType<TurnValues[P]> } = {
  propose: contentWire,
  revise: contentWire,
  critique: z.object({ feedback: z.string(), issues: z.array(z.string()) }),
  // Raw per-criterion values: the domain clamps whatever the judge gave, so anything JSON passes here.
  score: z.object({ scores: z.record(z.string(), z.unknown()), comment: z.string() }),
  choose: z.object({ chosen_id: z.string(), rationale: z.string() }).transform((c) => ({ chosenId: c.chosen_id, rationale: c.rationale })),
};

function valueWire(phase: TurnPhase, value: unknown): unknown {
  switch (phase) {
    case 'propose':
    case 'revise':
      return toContentWire(value as ProposalContent);
    case 'critique': {
      const v = value as CritiqueValue;
      return { feedback: v.feedback, issues: v.issues };
    }
    case 'score': {
      const v = value as JudgmentValue;
      return { scores: v.scores, comment: v.comment };
    }
    case 'choose': {
      const v = value as ChoiceValue;
      return { chosen_id: v.chosenId, rationale: v.rationale };
    }
  }
}

export function encodeTurnRequest(request: TurnRequest, occurredAtMs: number): Uint8Array {
  const payload: Record<string, unknown> = {
    phase: request.phase,
    role: request.role,
    task: toTaskWire(request.task),
    expires_at: new Date(request.expiresAtMs).toISOString(),
  };
  switch (request.phase) {
    case 'propose':
      Object.assign(payload, { agent: toAgentWire(request.agent) });
      break;
    case 'critique':
      Object.assign(payload, { agent: toAgentWire(request.agent), round: request.round, target: toProposalWire(request.target) });
      break;
    case 'revise':
      Object.assign(payload, {
        agent: toAgentWire(request.agent),
        proposal: toProposalWire(request.proposal),
        critique: toCritiqueWire(request.critique),
      });
      break;
    case 'score':
      Object.assign(payload, { proposal: toProposalWire(request.proposal) });
      break;
    case 'choose':
      Object.assign(payload, { agent: toAgentWire(request.agent), candidates: request.candidates.map(toResultWire) });
      break;
  }
  return encodeEnvelope(envelope(request.requestId, TURN_EVENT_TYPE.request, request.task.id, occurredAtMs, payload));
}

/**
 * Decodes a request received on `subject` (`agent.request.<ROLE>.<phase>`): the envelope as every
 * fleet event, then the turn's payload, which must agree with the subject it came on. Throws FleetError
 * INVALID_ARGUMENT naming the field at fault.
 */
export function decodeTurnRequest(subject: string, data: Uint8Array, maxBytes: number): TurnRequest {
  const env = parseEnvelope(subject, data, maxBytes);
  if (env.type !== TURN_EVENT_TYPE.request) throw invalid('type', `"${TURN_EVENT_TYPE.request}"`, JSON.stringify(env.type));
  if (!REQUEST_ID.test(env.event_id))
    throw invalid('event_id', 'a turn request id such as "task-1.propose.0.dev-1"', JSON.stringify(env.event_id));
  const p = check(requestPayload, env.payload, 'payload');
  const expected = `${TURN_SUBJECT.requestPrefix}${p.role}.${p.phase}`;
  if (subject !== expected) throw invalid('payload.phase', `role and phase matching the subject "${subject}"`, `${p.role} ${p.phase}`);
  const head: TurnRequestHead = { requestId: env.event_id, role: p.role, task: p.task, expiresAtMs: Date.parse(p.expires_at) };
  switch (p.phase) {
    case 'propose':
      return { ...head, phase: p.phase, agent: p.agent };
    case 'critique':
      return { ...head, phase: p.phase, agent: p.agent, round: p.round, target: p.target };
    case 'revise':
      return { ...head, phase: p.phase, agent: p.agent, proposal: p.proposal, critique: p.critique };
    case 'score':
      return { ...head, phase: p.phase, proposal: p.proposal };
    case 'choose':
      return { ...head, phase: p.phase, agent: p.agent, candidates: p.candidates };
  }
}

/** Who to answer for a message that is not a valid request, when it says that much at all. */
export function requestIdsIn(data: Uint8Array): { readonly requestId: string; readonly taskId: string } | undefined {
  try {
    const json = JSON.parse(new TextDecoder().decode(data)) as { event_id?: unknown; correlation_id?: unknown };
    if (typeof json.event_id !== 'string' || !REQUEST_ID.test(json.event_id)) return undefined;
    const taskId = typeof json.correlation_id === 'string' && json.correlation_id !== '' ? json.correlation_id : json.event_id;
    return { requestId: json.event_id, taskId };
  } catch {
    return undefined;
  }
}

export function encodeTurnResponse(requestId: string, taskId: string, response: TurnResponse, occurredAtMs: number): Uint8Array {
  const worker = response.worker === undefined ? {} : { worker: response.worker };
  const payload =
    response.status === 'ok'
      ? {
          status: 'ok',
          phase: response.phase,
          value: valueWire(response.phase, response.output.value),
          raw: response.output.raw,
          completion_tokens: response.output.completionTokens,
          duration_ms: response.output.durationMs,
          ...worker,
        }
      : { status: 'error', phase: response.phase, code: response.code, message: response.message, ...worker };
  return encodeEnvelope(envelope(responseMessageId(requestId), TURN_EVENT_TYPE.response, taskId, occurredAtMs, payload));
}

/**
 * Decodes a reply to `requestId` for a turn of `phase` and returns what the turn resolves with, or
 * the worker's error to reject it with. Anything malformed is FleetError INTERNAL: the turn cannot
 * trust a reply it cannot read.
 */
export function decodeTurnResponse<P extends TurnPhase>(
  subject: string,
  data: Uint8Array,
  requestId: string,
  phase: P,
  maxBytes: number,
): TurnOutput<TurnValues[P]> | FleetError {
  try {
    const env = parseEnvelope(subject, data, maxBytes);
    if (env.type !== TURN_EVENT_TYPE.response) throw invalid('type', `"${TURN_EVENT_TYPE.response}"`, JSON.stringify(env.type));
    if (env.event_id !== responseMessageId(requestId)) {
      throw invalid('event_id', JSON.stringify(responseMessageId(requestId)), JSON.stringify(env.event_id));
    }
    const p = check(responsePayload, env.payload, 'payload');
    if (p.phase !== phase) throw invalid('payload.phase', JSON.stringify(phase), JSON.stringify(p.phase));
    const from = p.worker === undefined ? '' : ` (worker ${p.worker})`;
    if (p.status === 'error') return new FleetError(p.code, `${p.message}${from}`);
    const value = check(VALUE_SCHEMAS[phase] as z.ZodType<TurnValues[P]>, p.value, 'payload.value');
    return { value, raw: p.raw, completionTokens: p.completion_tokens, durationMs: p.duration_ms };
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    return new FleetError('INTERNAL', `malformed reply to turn ${requestId}: ${reason}`, { cause: e });
  }
}

export type TurnProgress = GenerateProgress;

export const encodeTurnProgress = (p: TurnProgress): Uint8Array =>
  new TextEncoder().encode(JSON.stringify({ tokens: p.tokens, tokens_per_second: p.tokensPerSecond, text: p.text }));

// `text` is optional: workers of earlier builds send counts only.
const progressPayload = z.object({
  tokens: z.number().int().nonnegative(),
  tokens_per_second: z.number().nonnegative(),
  text: z.string().default(''),
});

/** Progress is advisory: anything unreadable is dropped rather than failing the turn. */
export function decodeTurnProgress(data: Uint8Array): TurnProgress | undefined {
  try {
    const p = progressPayload.safeParse(JSON.parse(new TextDecoder().decode(data)));
    return p.success ? { tokens: p.data.tokens, tokensPerSecond: p.data.tokens_per_second, text: p.data.text } : undefined;
  } catch {
    return undefined;
  }
}

/** Why a requester gave up; the worker aborts the turn with it. */
export type CancelReason = Extract<ErrorCode, 'CANCELLED' | 'DEADLINE_EXCEEDED'>;

export const encodeTurnCancel = (code: CancelReason): Uint8Array => new TextEncoder().encode(JSON.stringify({ code }));

export function decodeTurnCancel(data: Uint8Array): CancelReason {
  try {
    const json = JSON.parse(new TextDecoder().decode(data)) as { code?: unknown };
    return json.code === 'DEADLINE_EXCEEDED' ? 'DEADLINE_EXCEEDED' : 'CANCELLED';
  } catch {
    return 'CANCELLED';
  }
}

function envelope(eventId: string, type: string, correlationId: string, occurredAtMs: number, payload: unknown): EventEnvelope {
  return {
    event_id: eventId,
    type,
    version: ENVELOPE_VERSION,
    occurred_at: new Date(occurredAtMs).toISOString(),
    correlation_id: correlationId,
    payload,
  };
}
