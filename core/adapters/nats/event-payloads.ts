import { z } from 'zod';
import { DELIBERATION_STATUSES, PHASES } from '../../domain/deliberation.js';
import { ERROR_CODES } from '../../domain/errors.js';
import { ROLES } from '../../domain/role.js';

// The fleet's wire vocabulary: each event type's fields, snake_case as on the wire, spelled once here.
// The same schema reads an event in either form (see fleet-event.ts): the fields of a flat event, or
// the payload of an envelope. A type not listed here still has to be a JSON object; its consumers
// validate the rest.

export const id = z.string().min(1).max(256);
export const EVENT_TYPE_NAME = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
export const eventTypeName = z.string().regex(EVENT_TYPE_NAME, { error: 'a subject such as "planning.plan.approved"' });
export const isoDateTime = z.iso.datetime({ offset: true, error: 'an ISO 8601 date-time such as "2025-01-31T12:00:00Z"' });

// Python's datetime.isoformat() leaves the zone out of naive times and the cluster's services publish
// them as they are; their consumers read them as UTC, and so do we.
const isoDateTimeAnyZone = z.iso.datetime({ offset: true, local: true });
const HAS_ZONE = /(Z|[+-]\d\d:\d\d)$/i;
// Beyond year 9999 as seconds is a value in milliseconds sent by mistake: refused rather than read as a far future.
const MAX_EPOCH_SECONDS = 253_402_300_799;

function epochMs(value: unknown): number | undefined {
  if (typeof value === 'number')
    return Number.isFinite(value) && value >= 0 && value <= MAX_EPOCH_SECONDS ? Math.round(value * 1000) : undefined;
  if (typeof value !== 'string' || !isoDateTimeAnyZone.safeParse(value).success) return undefined;
  return Date.parse(HAS_ZONE.test(value) ? value : `${value}Z`);
}

/** When a flat event happened: an ISO 8601 date-time (UTC when it names no zone) or epoch seconds; read as epoch ms. */
export const timestamp = z.unknown().transform((value, ctx) => {
  const ms = epochMs(value);
  if (ms !== undefined) return ms;
  ctx.addIssue({ code: 'custom', message: 'an ISO 8601 date-time (UTC when it names no zone) or epoch seconds', input: value });
  return z.NEVER;
});

const phase = z.enum(PHASES);
const status = z.enum(DELIBERATION_STATUSES);
const count = z.number().int().nonnegative();
const role = z.enum(ROLES);

// Deliberations started for a plan get the task id `plan-<plan_id>-<role>`, which must satisfy the
// domain's task-id rule (letters, digits, . _ : -; at most 128 characters) for every role.
const PLAN_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;

/** The cluster's orchestrator needs story, plan and approver; a plan naming no roles starts nothing. */
export const planApproved = z.object({
  plan_id: z.string().regex(PLAN_ID, { error: 'an id of letters, digits, ".", "_", ":" or "-" (at most 100 characters)' }),
  story_id: id,
  approved_by: id,
  roles: z
    .array(role)
    .max(ROLES.length * 2)
    .nullish()
    .transform((roles) => roles ?? []),
  title: z.string().max(500).optional(),
  description: z.string().max(20_000).optional(),
});
export type PlanApprovedPayload = z.infer<typeof planApproved>;

export const storyTransitioned = z.object({ story_id: id, from_phase: id, to_phase: id });
export type StoryTransitionedPayload = z.infer<typeof storyTransitioned>;

/** What the cluster's orchestrator reads from the context service. */
export const contextUpdated = z.object({ story_id: id, version: count });
export type ContextUpdatedPayload = z.infer<typeof contextUpdated>;

/** The planning story, on every event of a deliberation that serves one. */
const storyOf = { story_id: id.optional() };

export const deliberationStarted = z.object({ task_id: id, ...storyOf, status });
export type DeliberationStartedPayload = z.infer<typeof deliberationStarted>;

export const deliberationProgress = z.object({
  task_id: id,
  ...storyOf,
  kind: z.enum(['status', 'phase', 'agent', 'scored']),
  status: status.optional(),
  phase: phase.optional(),
  round: count.optional(),
  agent_id: id.optional(),
  state: z.enum(['started', 'progress', 'done']).optional(),
  tokens: count.optional(),
  tokens_per_second: z.number().nonnegative().optional(),
  /** `scored`: the proposal's total, 0..1. */
  score: z.number().optional(),
  progress_percent: z.number().min(0).max(100).optional(),
});
export type DeliberationProgressPayload = z.infer<typeof deliberationProgress>;

/** A proposal's checks as the cluster's CheckSuite has them. */
export const checkSuite = z.object({
  policy: z.object({ passed: z.boolean(), violations: z.array(z.string()), message: z.string() }),
  lint: z.object({ passed: z.boolean(), error_count: count, warning_count: count, errors: z.array(z.string()) }),
  /** Every check one by one, so each one's score survives the summaries above. */
  additional_checks: z.array(z.object({ check_type: id, passed: z.boolean(), score: z.number(), message: z.string() })),
  all_passed: z.boolean(),
});
export type CheckSuiteWire = z.infer<typeof checkSuite>;

/** One ranked proposal, as the cluster's context service reads the decisions of a deliberation. */
export const decision = z.object({
  /** `<task_id>:<agent_id>`. */
  id,
  /** `winner` for the chosen proposal, `proposal` for the others. */
  type: z.enum(['winner', 'proposal']),
  rationale: z.string(),
  proposal: z.object({ author: z.object({ agent_id: id, role }), content: z.string() }),
  checks: checkSuite,
  score: z.number(),
});
export type DecisionWire = z.infer<typeof decision>;

/** The outcome, summarised: the full record (critiques, revisions, raw outputs) stays in the deliberation store. */
export const deliberationFinished = z.object({
  task_id: id,
  /** The planning story the task came from; "" when it came from none (the cluster requires the field). */
  story_id: z.string().max(256),
  role,
  council_id: id,
  status,
  winner_id: id.optional(),
  /** Best ranked first. */
  decisions: z.array(decision),
  failures: count,
  error: z.string().optional(),
  duration_ms: z.number().nonnegative().optional(),
});
export type DeliberationFinishedPayload = z.infer<typeof deliberationFinished>;

export const agentResponseCompleted = z.object({ task_id: id, ...storyOf, agent_id: id, phase, tokens: count.optional() });
export type AgentResponseCompletedPayload = z.infer<typeof agentResponseCompleted>;

export const agentResponseFailed = z.object({
  task_id: id,
  ...storyOf,
  agent_id: id,
  phase,
  code: z.enum(ERROR_CODES),
  message: z.string(),
});
export type AgentResponseFailedPayload = z.infer<typeof agentResponseFailed>;

export const EVENT_TYPE = {
  PLAN_APPROVED: 'planning.plan.approved',
  STORY_TRANSITIONED: 'planning.story.transitioned',
  CONTEXT_UPDATED: 'context.updated',
  DELIBERATION_STARTED: 'orchestration.deliberation.started',
  DELIBERATION_PROGRESS: 'orchestration.deliberation.progress',
  DELIBERATION_COMPLETED: 'orchestration.deliberation.completed',
  DELIBERATION_FAILED: 'orchestration.deliberation.failed',
  AGENT_RESPONSE_COMPLETED: 'agent.response.completed',
  AGENT_RESPONSE_FAILED: 'agent.response.failed',
} as const;
export type KnownEventType = (typeof EVENT_TYPE)[keyof typeof EVENT_TYPE];

export interface PayloadOf {
  'planning.plan.approved': PlanApprovedPayload;
  'planning.story.transitioned': StoryTransitionedPayload;
  'context.updated': ContextUpdatedPayload;
  'orchestration.deliberation.started': DeliberationStartedPayload;
  'orchestration.deliberation.progress': DeliberationProgressPayload;
  'orchestration.deliberation.completed': DeliberationFinishedPayload;
  'orchestration.deliberation.failed': DeliberationFinishedPayload;
  'agent.response.completed': AgentResponseCompletedPayload;
  'agent.response.failed': AgentResponseFailedPayload;
}

export interface EventSpec<P> {
  readonly schema: z.ZodType<P>;
  /** Whether a flat event of the type must carry `timestamp`: the cluster stamps all but context.updated, and we stamp ours. */
  readonly timed: boolean;
  /**
   * The cluster's flat events carry no event id: what identifies one, so the same event sent again is
   * known by the same id (`<type>:<key>`). Without it, a flat event without an id is known by its bytes.
   */
  readonly identity?: (fields: P, occurredAtMs: number | undefined) => { readonly key: string; readonly correlationId: string };
}

export const EVENT_SPECS: { readonly [T in KnownEventType]: EventSpec<PayloadOf[T]> } = {
  'planning.plan.approved': { schema: planApproved, timed: true, identity: (p) => ({ key: p.plan_id, correlationId: p.plan_id }) },
  'planning.story.transitioned': {
    schema: storyTransitioned,
    timed: true,
    // A story can pass between the same two phases more than once: when it did tells them apart.
    identity: (p, at) => ({ key: `${p.story_id}:${p.from_phase}:${p.to_phase}:${at}`, correlationId: p.story_id }),
  },
  'context.updated': {
    schema: contextUpdated,
    timed: false,
    identity: (p) => ({ key: `${p.story_id}:${p.version}`, correlationId: p.story_id }),
  },
  'orchestration.deliberation.started': { schema: deliberationStarted, timed: true },
  'orchestration.deliberation.progress': { schema: deliberationProgress, timed: true },
  'orchestration.deliberation.completed': { schema: deliberationFinished, timed: true },
  'orchestration.deliberation.failed': { schema: deliberationFinished, timed: true },
  'agent.response.completed': { schema: agentResponseCompleted, timed: true },
  'agent.response.failed': { schema: agentResponseFailed, timed: true },
};

const anyPayload = z.record(z.string(), z.unknown());
const unknownType: EventSpec<Readonly<Record<string, unknown>>> = { schema: anyPayload, timed: false };

const isKnownEventType = (type: string): type is KnownEventType => Object.hasOwn(EVENT_SPECS, type);

/** How to read an event of `type` off the wire; a type we do not know only has to be a JSON object. */
export const specOf = (type: string): EventSpec<Readonly<Record<string, unknown>>> =>
  // Sound: a spec's identity only ever sees fields its own schema produced.
  isKnownEventType(type) ? (EVENT_SPECS[type] as unknown as EventSpec<Readonly<Record<string, unknown>>>) : unknownType;
