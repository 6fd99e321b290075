import type { OrchestratorServiceServer } from '../../../proto/gen/fleet/orchestrator/v1/orchestrator.js';
import { parsePhase } from '../../domain/context-policy.js';
import { FleetError, invalidArgument } from '../../domain/errors.js';
import { parseRole } from '../../domain/validation.js';
import type { ContextReader } from '../../ports/context-service.js';
import type { TaskDerivationService } from '../../ports/task-derivation.js';
import { resolveCouncil } from './council-target.js';
import { streamDeliberation } from './deliberation-stream.js';
import type { FleetUseCases } from './fleet-use-cases.js';
import type { Log } from '../../ports/log.js';
import {
  toAgentId,
  toCouncilTarget,
  toCreateCouncilCommand,
  toDeliberateCommand,
  toMetricsQuery,
  toNewAgentId,
  toOrchestrateCommand,
  toRoleFilter,
  toTaskId,
} from './request-mapping.js';
import {
  type ServerFacts,
  toCouncilInfo,
  toDeliberateResponse,
  toGetDeliberationResultResponse,
  toMetricsResponse,
  toOrchestrateResponse,
  toStatusResponse,
} from './response-mapping.js';
import { derivationHandlers } from './task-derivation-handlers.js';
import { unaryCalls, unimplemented } from './unary-call.js';

/** OrchestratorService over the driving port: each handler maps the request, calls the core once, maps back. */
export function orchestratorHandlers(
  { deliberations, councils, status }: FleetUseCases,
  facts: ServerFacts,
  log: Log,
  context?: ContextReader,
  derivation?: TaskDerivationService,
): OrchestratorServiceServer {
  const unary = unaryCalls(log);

  return {
    deliberate: unary('Deliberate', async (request, signal) =>
      toDeliberateResponse(await deliberations.deliberate(toDeliberateCommand(request), { signal }), facts),
    ),
    deliberateForBacklogReview: unimplemented(
      'DeliberateForBacklogReview',
      'the backlog-review ceremony needs the planning service (stories, review ceremonies), not served yet',
    ),
    orchestrate: unary('Orchestrate', async (request, signal) =>
      toOrchestrateResponse(await deliberations.orchestrate(toOrchestrateCommand(request), { signal }), facts),
    ),
    streamDeliberation: streamDeliberation(deliberations, facts, log),
    getDeliberationResult: unary('GetDeliberationResult', async (request) =>
      toGetDeliberationResultResponse(await deliberations.getDeliberation(toTaskId(request)), facts),
    ),

    createCouncil: unary('CreateCouncil', async (request) => {
      const council = await councils.createCouncil(toCreateCouncilCommand(request));
      return {
        councilId: council.id,
        agentsCreated: council.agents.length,
        agentIds: council.agents.map((a) => a.id),
        council: toCouncilInfo(council, true, false),
      };
    }),
    listCouncils: unary('ListCouncils', async (request) => {
      const role = toRoleFilter(request);
      const { busyCouncils } = await status.status();
      return { councils: (await councils.listCouncils(role)).map((c) => toCouncilInfo(c, request.includeAgents, busyCouncils.has(c.id))) };
    }),
    deleteCouncil: unary('DeleteCouncil', async (request) => {
      const council = await resolveCouncil(councils, toCouncilTarget(request));
      await councils.deleteCouncil(council.id);
      return {
        success: true,
        message: `deleted council ${council.id} (${council.role})`,
        agentsRemoved: council.agents.length,
        councilId: council.id,
      };
    }),
    registerAgent: unary('RegisterAgent', async (request) => {
      const agentId = toNewAgentId(request);
      const council = await resolveCouncil(councils, toCouncilTarget(request));
      const agent = await councils.registerAgent(council.id, agentId);
      return { success: true, message: `agent ${agent.id} joined council ${council.id}`, councilId: council.id, agentId: agent.id };
    }),
    unregisterAgent: unary('UnregisterAgent', async (request) => {
      const agentId = toAgentId(request);
      const council = await resolveCouncil(councils, toCouncilTarget(request));
      await councils.unregisterAgent(council.id, agentId);
      return { success: true, message: `agent ${agentId} left council ${council.id}` };
    }),

    getStatus: unary('GetStatus', async (request) =>
      toStatusResponse(await status.status(), request.includeStats ? await status.metrics() : undefined),
    ),
    getMetrics: unary('GetMetrics', async (request) => {
      const query = toMetricsQuery(request, facts.now());
      return toMetricsResponse(await status.metrics(query.sinceMs === undefined ? {} : { sinceMs: query.sinceMs }), query.only);
    }),

    ...derivationHandlers(derivation, log),
    getTaskContext: unary('GetTaskContext', async (request) => {
      if (context === undefined) throw new FleetError('FAILED_PRECONDITION', 'this server runs without the context graph');
      const storyId = request.storyId !== '' ? request.storyId : request.caseId;
      if (storyId === '') throw invalidArgument('story_id', 'the story (or case_id) whose context to build');
      const built = await context.build({
        storyId,
        role: parseRole(request.role, 'role'),
        phase: request.phase === '' ? 'DESIGN' : parsePhase(request.phase, 'phase'),
        ...(request.taskId === '' ? {} : { subtaskId: request.taskId }),
      });
      return {
        contextText: built.context,
        blocks: { ...built.blocks, history: '' },
        tokenCount: built.tokenCount,
        versionHash: built.version,
      };
    }),
  };
}
