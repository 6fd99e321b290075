import type {
  ContextServiceServer,
  GraphNode as ProtoNode,
  RehydrateSessionResponse,
  RoleContextPack,
} from '../../../proto/gen/fleet/context/v1/context.js';
import { checkDepth, type GraphNode, NODE_KINDS, type NodeKind } from '../../domain/context-graph.js';
import { checkBudget, parsePhase, validateScopes } from '../../domain/context-policy.js';
import { FleetError, invalidArgument } from '../../domain/errors.js';
import { ROLES } from '../../domain/role.js';
import { parseRole } from '../../domain/validation.js';
import type { ContextCache } from '../../ports/context-cache.js';
import type { ContextGraph } from '../../ports/context-graph.js';
import type { ContextReader, ContextWrites, Rehydration, RolePack, SessionRehydrator } from '../../ports/context-service.js';
import type { Log } from '../../ports/log.js';
import { parseChanges } from './context-changes.js';
import { wireId as id } from './request-mapping.js';
import { unaryCalls } from './unary-call.js';

const DEFAULT_DEPTH = 2;
const DEFAULT_TIMELINE_EVENTS = 50;
const MAX_TIMELINE_EVENTS = 1_000;

/** What the context service reads and writes: the built contexts, the graph itself and its writes (absent: FAILED_PRECONDITION). */
export interface ContextSources {
  readonly reader: ContextReader;
  readonly graph: ContextGraph;
  readonly writer: ContextWrites;
  readonly packs: SessionRehydrator;
  /** Whose per-story generation, which every write bumps, is the version UpdateContext answers. */
  readonly cache: Pick<ContextCache, 'generation'>;
}

/**
 * ContextService (fleet.context.v1): a story's context for a role and phase, the scope check, and a
 * node's neighbourhood, and the graph's writes from agents and the cluster (planning and completed
 * deliberations write it too).
 */
export function contextHandlers(sources: ContextSources | undefined, log: Log): ContextServiceServer {
  const unary = unaryCalls(log);
  const served = (): ContextSources => {
    if (sources === undefined) throw new FleetError('FAILED_PRECONDITION', 'this server runs without the context graph');
    return sources;
  };
  return {
    getContext: unary('GetContext', async (r) => {
      const built = await served().reader.build({
        storyId: id(r.storyId, 'story_id'),
        role: parseRole(r.role, 'role'),
        phase: parsePhase(r.phase, 'phase'),
        ...(r.subtaskId === '' ? {} : { subtaskId: r.subtaskId }),
        ...(r.tokenBudget === 0 ? {} : { tokenBudget: checkBudget(r.tokenBudget, 'token_budget') }),
      });
      return {
        context: built.context,
        tokenCount: built.tokenCount,
        scopes: [...built.scopes],
        version: built.version,
        blocks: built.blocks,
      };
    }),
    validateScope: unary('ValidateScope', (r) => {
      const check = validateScopes(parseRole(r.role, 'role'), parsePhase(r.phase, 'phase'), r.providedScopes);
      return { allowed: check.allowed, missing: [...check.missing], extra: [...check.extra], reason: check.reason };
    }),
    getGraphRelationships: unary('GetGraphRelationships', async (r) => {
      const kind = kindOf(r.nodeType);
      const depth = r.depth === 0 ? DEFAULT_DEPTH : checkDepth(r.depth);
      const around = await served().graph.neighbourhood({ kind, id: id(r.nodeId, 'node_id') }, depth);
      return {
        node: toNode(around.root),
        neighbors: around.nodes.map(toNode),
        relationships: around.edges.map((e) => ({ fromNodeId: e.from.id, toNodeId: e.to.id, type: e.kind, properties: {} })),
        success: true,
        message: `${around.nodes.length} nodes within ${depth} of ${kind} ${around.root.id}`,
      };
    }),
    updateContext: unary('UpdateContext', async (r) => {
      const storyId = id(r.storyId, 'story_id');
      const role = parseRole(r.role, 'role');
      const { changes, warnings } = parseChanges(r.changes);
      const { writer, cache } = served();
      const { hash } = await writer.update({ storyId, role, changes });
      return { version: await cache.generation(storyId), hash, warnings };
    }),
    // persist_bundle and ttl_seconds are accepted and not needed: packs come from one graph read, the prompts' contexts are what is cached.
    rehydrateSession: unary('RehydrateSession', async (r) => {
      const events = r.timelineEvents === 0 ? DEFAULT_TIMELINE_EVENTS : r.timelineEvents;
      if (!Number.isInteger(events) || events < 1 || events > MAX_TIMELINE_EVENTS)
        throw invalidArgument('timeline_events', `1..${MAX_TIMELINE_EVENTS} (0 for ${DEFAULT_TIMELINE_EVENTS})`, r.timelineEvents);
      const roles = r.roles.length === 0 ? ROLES : [...new Set(r.roles.map((role, i) => parseRole(role, `roles[${i}]`)))];
      return toRehydration(
        await served().packs.rehydrate({
          storyId: id(r.caseId, 'case_id'),
          roles,
          timeline: r.includeTimeline,
          summaries: r.includeSummaries,
          timelineEvents: events,
        }),
      );
    }),
    createStory: unary('CreateStory', async (r) => {
      const storyId = id(r.storyId, 'story_id');
      const phase = r.initialPhase === '' ? 'DESIGN' : parsePhase(r.initialPhase, 'initial_phase');
      await served().writer.createStory({ storyId, title: r.title, description: r.description, phase });
      return { contextId: storyId, storyId, currentPhase: phase };
    }),
    createTask: unary('CreateTask', async (r) => {
      const storyId = id(r.storyId, 'story_id');
      const taskId = id(r.taskId, 'task_id');
      await served().writer.createTask({
        storyId,
        taskId,
        title: r.title,
        description: r.description,
        role: parseRole(r.role, 'role'),
        dependencies: r.dependencies.map((d, i) => id(d, `dependencies[${i}]`)),
        priority: nonNegative(r.priority, 'priority'),
        estimatedHours: nonNegative(r.estimatedHours, 'estimated_hours'),
      });
      return { taskId, storyId, status: 'PENDING' };
    }),
    addProjectDecision: unary('AddProjectDecision', async (r) => ({
      decisionId: await served().writer.addDecision({
        storyId: id(r.storyId, 'story_id'),
        type: r.decisionType,
        title: r.title,
        rationale: r.rationale,
        alternatives: r.alternativesConsidered,
        metadata: r.metadata,
      }),
    })),
    transitionPhase: unary('TransitionPhase', async (r) => {
      const storyId = id(r.storyId, 'story_id');
      const to = parsePhase(r.toPhase, 'to_phase');
      const { atMs } = await served().writer.transitionPhase(storyId, parsePhase(r.fromPhase, 'from_phase'), to);
      return { storyId, currentPhase: to, transitionedAt: new Date(atMs).toISOString() };
    }),
  };
}

function nonNegative(value: number, field: string): number {
  if (value < 0) throw invalidArgument(field, 'zero or more', String(value));
  return value;
}

function kindOf(value: string): NodeKind {
  const kind = NODE_KINDS.find((k) => k.toLowerCase() === value.trim().toLowerCase());
  if (kind === undefined) throw invalidArgument('node_type', `one of ${NODE_KINDS.join(', ')}`, value);
  return kind;
}

const toNode = (n: GraphNode): ProtoNode => ({
  id: n.id,
  labels: [n.kind],
  properties: { ...n.props, title: n.title, body: n.body, updated_at: new Date(n.updatedAtMs).toISOString() },
  type: n.kind,
  title: n.title,
});

const iso = (ms: number): string => new Date(ms).toISOString();

function toRehydration(r: Rehydration): RehydrateSessionResponse {
  return {
    caseId: r.storyId,
    generatedAtMs: r.generatedAtMs,
    packs: Object.fromEntries(r.packs.map((p) => [p.role, toPack(p)])),
    stats: { ...r.stats, roles: [...r.stats.roles] },
  };
}

const toPack = (p: RolePack): RoleContextPack => ({
  role: p.role,
  caseHeader: {
    caseId: p.caseHeader.id,
    title: p.caseHeader.title,
    description: p.caseHeader.description,
    status: p.caseHeader.status,
    createdAt: iso(p.caseHeader.createdAtMs),
    createdBy: p.caseHeader.createdBy,
  },
  planHeader:
    p.plan === undefined
      ? undefined
      : {
          planId: p.plan.id,
          version: p.plan.version,
          status: p.plan.status,
          totalSubtasks: p.plan.totalSubtasks,
          completedSubtasks: p.plan.completedSubtasks,
        },
  subtasks: p.subtasks.map((t) => ({
    subtaskId: t.id,
    title: t.title,
    description: t.description,
    role: t.role,
    status: t.status,
    dependencies: [...t.dependencies],
    priority: t.priority,
  })),
  decisions: p.decisions.map((d) => ({
    id: d.id,
    title: d.title,
    rationale: d.rationale,
    status: d.status,
    decidedBy: d.decidedBy,
    decidedAt: iso(d.decidedAtMs),
  })),
  decisionDeps: p.decisionRelations.map((e) => ({ srcId: e.fromId, dstId: e.toId, relationType: e.kind })),
  impacted: p.impacted.map((i) => ({ ...i })),
  milestones: p.milestones.map((m) => ({ eventType: m.type, description: m.description, tsMs: m.atMs, actor: m.actor })),
  lastSummary: p.lastSummary,
  tokenBudgetHint: p.tokenBudget,
});
