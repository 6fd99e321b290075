import type {
  CreateCouncilRequest,
  DeleteCouncilRequest,
  DeliberateRequest,
  GetMetricsRequest,
  ListCouncilsRequest,
  OrchestrateRequest,
  RegisterAgentRequest,
  TaskConstraints,
  UnregisterAgentRequest,
} from '../../../proto/gen/fleet/orchestrator/v1/orchestrator.js';
import { DEFAULT_AGENTS, LIMITS } from '../../domain/council.js';
import { invalidArgument } from '../../domain/errors.js';
import type { Role } from '../../domain/role.js';
import {
  checkAgentCount,
  checkDescription,
  checkPositive,
  checkRequirements,
  checkRounds,
  checkRubric,
  checkTaskId,
  parseRole,
  TASK_LIMITS,
} from '../../domain/validation.js';
import type { CreateCouncilCommand } from '../../ports/council-service.js';
import type { DeliberateCommand, OrchestrateCommand } from '../../ports/deliberation-service.js';

// Every proto request is validated here, once, into a domain command; errors name the wire field.
// proto3 has no "absent" for plain scalars, so 0 / "" mean "use the default" where the API says so.

const MAX_TIMEOUT_SECONDS = 24 * 3600;
const MAX_TOKENS_PER_TURN = 32_768;

type TaskFields = Pick<DeliberateRequest, 'taskId' | 'taskDescription' | 'role' | 'constraints' | 'numAgents'>;

function toTaskCommand(request: TaskFields): DeliberateCommand {
  return {
    ...(request.taskId === '' ? {} : { taskId: checkTaskId(request.taskId, 'task_id') }),
    description: checkDescription(request.taskDescription, 'task_description'),
    role: parseRole(request.role, 'role'),
    ...(request.numAgents === 0 ? {} : { numAgents: checkAgentCount(request.numAgents, 'num_agents') }),
    ...toConstraints(request.constraints),
  };
}

export function toDeliberateCommand(request: DeliberateRequest): DeliberateCommand {
  return {
    ...toTaskCommand(request),
    ...(request.rounds === 0 ? {} : { rounds: checkRounds(request.rounds, 'rounds') }),
    ...(request.enablePeerReview === undefined ? {} : { peerReview: request.enablePeerReview }),
  };
}

/** Options, when sent, are read as the cluster reads them: a false bool turns its feature off. */
export function toOrchestrateCommand(request: OrchestrateRequest): OrchestrateCommand {
  const { options } = request;
  return {
    ...toTaskCommand(request),
    ...(options === undefined
      ? {}
      : {
          peerReview: options.enablePeerReview,
          architectSelection: options.enableArchitectSelection,
          ...(options.deliberationRounds === 0 ? {} : { rounds: checkRounds(options.deliberationRounds, 'options.deliberation_rounds') }),
        }),
    // The cluster names the story its case.
    ...(request.storyId !== ''
      ? { storyId: checkTaskId(request.storyId, 'story_id') }
      : request.caseId !== ''
        ? { storyId: checkTaskId(request.caseId, 'case_id') }
        : {}),
    ...(request.planId === '' ? {} : { planId: checkTaskId(request.planId, 'plan_id') }),
    ...(request.topK === 0 ? {} : { topK: checkPositive(request.topK, 'top_k', LIMITS.agents.max) }),
  };
}

type ConstraintFields = Pick<DeliberateCommand, 'rubric' | 'requirements' | 'timeoutMs' | 'maxTokens'>;

function toConstraints(constraints: TaskConstraints | undefined): ConstraintFields {
  if (constraints === undefined) return {};
  const rubric = splitRubric(constraints.rubric);
  const requirements = checkRequirements(constraints.requirements, 'constraints.requirements');
  const { timeoutSeconds, maxTokens } = constraints;
  return {
    ...(rubric.length === 0 ? {} : { rubric }),
    ...(requirements.length === 0 ? {} : { requirements }),
    ...(timeoutSeconds === 0
      ? {}
      : { timeoutMs: checkPositive(timeoutSeconds, 'constraints.timeout_seconds', MAX_TIMEOUT_SECONDS) * 1000 }),
    ...(maxTokens === 0 ? {} : { maxTokens: checkPositive(maxTokens, 'constraints.max_tokens', MAX_TOKENS_PER_TURN) }),
  };
}

/** Rubric criteria arrive as one string (the cluster's type): split on commas or newlines. */
function splitRubric(rubric: string): string[] {
  const field = 'constraints.rubric';
  if (rubric.length > TASK_LIMITS.rubricChars)
    throw invalidArgument(field, `at most ${TASK_LIMITS.rubricChars} characters`, `${rubric.length} characters`);
  return checkRubric(rubric.split(/[,\n]/), field);
}

export type StreamStart =
  { readonly kind: 'start'; readonly command: DeliberateCommand } | { readonly kind: 'watch'; readonly taskId: string };

export function toStreamStart(request: DeliberateRequest): StreamStart {
  if (request.taskDescription !== '') return { kind: 'start', command: toDeliberateCommand(request) };
  if (request.taskId === '') throw invalidArgument('task_id', 'a task id to watch, or a task_description to start a deliberation');
  return { kind: 'watch', taskId: checkTaskId(request.taskId, 'task_id') };
}

/** A planning or graph id as the wire carries it: trimmed, 1..256 characters. */
export function wireId(value: string, field: string): string {
  const trimmed = value.trim();
  if (trimmed === '' || trimmed.length > 256) throw invalidArgument(field, 'an id (1..256 characters)', value);
  return trimmed;
}

export const toTaskId = (request: { taskId: string }): string => checkTaskId(request.taskId, 'task_id');

/** Without a config the defaults hold; with one, its peer-review bool is taken as sent (the cluster's reading). */
export function toCreateCouncilCommand(request: CreateCouncilRequest): CreateCouncilCommand {
  const { config } = request;
  return {
    role: parseRole(request.role, 'role'),
    numAgents: request.numAgents === 0 ? DEFAULT_AGENTS : checkAgentCount(request.numAgents, 'num_agents'),
    ...(config === undefined
      ? {}
      : {
          peerReview: config.enablePeerReview,
          ...(config.deliberationRounds === 0 ? {} : { rounds: checkRounds(config.deliberationRounds, 'config.deliberation_rounds') }),
        }),
  };
}

export const toRoleFilter = (request: ListCouncilsRequest): Role | undefined =>
  request.roleFilter === '' ? undefined : parseRole(request.roleFilter, 'role_filter');

// Council and agent ids are generated like task ids (or, for agents, `dev-1`), so one id rule serves.

/** A council named by id, or by role when the caller (like the cluster's clients) only knows the role. */
export type CouncilTarget = { readonly councilId: string } | { readonly role: Role };

export function toCouncilTarget(request: DeleteCouncilRequest | RegisterAgentRequest | UnregisterAgentRequest): CouncilTarget {
  if (request.councilId !== '') return { councilId: checkTaskId(request.councilId, 'council_id') };
  if (request.role !== '') return { role: parseRole(request.role, 'role') };
  throw invalidArgument('council_id', 'a council_id, or a role with exactly one council');
}

/** Empty asks for a generated id. */
export const toNewAgentId = (request: RegisterAgentRequest): string | undefined =>
  request.agentId === '' ? undefined : checkTaskId(request.agentId, 'agent_id');

export const toAgentId = (request: UnregisterAgentRequest): string => checkTaskId(request.agentId, 'agent_id');

const METRIC_KINDS = ['performance', 'agents', 'councils'] as const;

export interface MetricsQuery {
  readonly only?: (typeof METRIC_KINDS)[number];
  readonly sinceMs?: number;
}

export function toMetricsQuery(request: GetMetricsRequest, nowMs: number): MetricsQuery {
  const kind = request.metricType.trim().toLowerCase();
  if (kind !== '' && !(METRIC_KINDS as readonly string[]).includes(kind)) {
    throw invalidArgument('metric_type', `one of ${METRIC_KINDS.join(', ')}, or empty for all`, request.metricType);
  }
  if (request.timeRangeMs < 0)
    throw invalidArgument('time_range_ms', 'a non-negative number of milliseconds (0: everything stored)', request.timeRangeMs);
  return {
    ...(kind === '' ? {} : { only: kind as MetricsQuery['only'] }),
    ...(request.timeRangeMs === 0 ? {} : { sinceMs: nowMs - request.timeRangeMs }),
  };
}
