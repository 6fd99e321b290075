import { z } from 'zod';
import { ERROR_CODES } from '../../domain/errors.js';
import { DELIBERATION_STATUSES, PHASES } from '../../domain/deliberation.js';
import { ROLES } from '../../domain/role.js';

// Payloads on the wire, snake_case, one schema per event type. A type not listed here still has to
// be a JSON object; its consumers validate the rest.

const id = z.string().min(1).max(256);
const phase = z.enum(PHASES);
const status = z.enum(DELIBERATION_STATUSES);
const count = z.number().int().nonnegative();

// Deliberations started for a plan get the task id `plan-<plan_id>-<role>`, which must satisfy the
// domain's task-id rule (letters, digits, . _ : -; at most 128 characters) for every role.
const PLAN_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;

export const planApproved = z.object({
  plan_id: z.string().regex(PLAN_ID, { error: 'an id of letters, digits, ".", "_", ":" or "-" (at most 100 characters)' }),
  story_id: id,
  approved_by: id,
  roles: z.array(z.enum(ROLES)).min(1).max(ROLES.length * 2),
  title: z.string().max(500).optional(),
  description: z.string().max(20_000).optional(),
});
export type PlanApprovedPayload = z.infer<typeof planApproved>;

export const deliberationStarted = z.object({ task_id: id, status });
export type DeliberationStartedPayload = z.infer<typeof deliberationStarted>;

export const deliberationProgress = z.object({
  task_id: id,
  kind: z.enum(['status', 'phase', 'agent']),
  status: status.optional(),
  phase: phase.optional(),
  round: count.optional(),
  agent_id: id.optional(),
  state: z.enum(['started', 'progress', 'done']).optional(),
  tokens: count.optional(),
  tokens_per_second: z.number().nonnegative().optional(),
});
export type DeliberationProgressPayload = z.infer<typeof deliberationProgress>;

/** The outcome, summarised: the full record (proposals, raw outputs) stays in the deliberation store. */
export const deliberationFinished = z.object({
  task_id: id,
  role: z.enum(ROLES),
  council_id: id,
  status,
  winner_id: id.optional(),
  ranking: z.array(z.object({ agent_id: id, rank: count, score: z.number() })),
  failures: count,
  error: z.string().optional(),
  duration_ms: z.number().nonnegative().optional(),
});
export type DeliberationFinishedPayload = z.infer<typeof deliberationFinished>;

export const agentResponseCompleted = z.object({ task_id: id, agent_id: id, phase, tokens: count.optional() });
export type AgentResponseCompletedPayload = z.infer<typeof agentResponseCompleted>;

export const agentResponseFailed = z.object({ task_id: id, agent_id: id, phase, code: z.enum(ERROR_CODES), message: z.string() });
export type AgentResponseFailedPayload = z.infer<typeof agentResponseFailed>;

export const EVENT_TYPE = {
  PLAN_APPROVED: 'planning.plan.approved',
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
  'orchestration.deliberation.started': DeliberationStartedPayload;
  'orchestration.deliberation.progress': DeliberationProgressPayload;
  'orchestration.deliberation.completed': DeliberationFinishedPayload;
  'orchestration.deliberation.failed': DeliberationFinishedPayload;
  'agent.response.completed': AgentResponseCompletedPayload;
  'agent.response.failed': AgentResponseFailedPayload;
}

export const PAYLOAD_SCHEMAS: { readonly [T in KnownEventType]: z.ZodType<PayloadOf[T]> } = {
  'planning.plan.approved': planApproved,
  'orchestration.deliberation.started': deliberationStarted,
  'orchestration.deliberation.progress': deliberationProgress,
  'orchestration.deliberation.completed': deliberationFinished,
  'orchestration.deliberation.failed': deliberationFinished,
  'agent.response.completed': agentResponseCompleted,
  'agent.response.failed': agentResponseFailed,
};

export const anyPayload = z.record(z.string(), z.unknown());

export const isKnownEventType = (type: string): type is KnownEventType => Object.hasOwn(PAYLOAD_SCHEMAS, type);
