import type { GraphEdge, GraphNode, Neighbourhood } from '../domain/context-graph.js';
import { CONTEXT_PHASES, type ContextPhase, redact, ROLE_TOKEN_BUDGET, SCOPE_POLICY, type Scope } from '../domain/context-policy.js';
import type { Role } from '../domain/role.js';
import type { Clock } from '../ports/clock.js';
import type { ContextGraph } from '../ports/context-graph.js';
import type {
  PackDecision,
  PackMilestone,
  PackSubtask,
  Rehydration,
  RehydrationRequest,
  RolePack,
  SessionRehydrator,
} from '../ports/context-service.js';
import { decisionsFor, storyNeighbourhood, taskRank } from './context.js';

const DONE = new Set(['DONE', 'COMPLETED', 'done', 'completed']);

/**
 * A story's context as one structured pack per role (the cluster's RehydrateSession): the same graph,
 * scope policy, redaction and per-role token budget as the prompts' text, so a pack never shows a role
 * what its prompt could not. The graph is read once for all the roles asked for.
 */
export class ContextPacks implements SessionRehydrator {
  constructor(
    private readonly graph: ContextGraph,
    private readonly countTokens: (text: string) => number,
    private readonly clock: Clock,
  ) {}

  async rehydrate(request: RehydrationRequest): Promise<Rehydration> {
    const { story, around } = await storyNeighbourhood(this.graph, request.storyId, 'case_id');
    const phase = CONTEXT_PHASES.find((p) => p === story.props['phase']) ?? 'DESIGN';
    const packs = request.roles.map((role) => this.pack(story, around, role, phase, request));
    return {
      storyId: story.id,
      generatedAtMs: this.clock.now(),
      packs,
      stats: {
        decisions: new Set(packs.flatMap((p) => p.decisions.map((d) => d.id))).size,
        decisionEdges: new Set(packs.flatMap((p) => p.decisionRelations.map((r) => `${r.fromId}>${r.toId}`))).size,
        impacts: new Set(packs.flatMap((p) => p.impacted.map((i) => `${i.decisionId}>${i.subtaskId}`))).size,
        events: new Set(packs.flatMap((p) => p.milestones.map((m) => `${m.atMs}:${m.description}`))).size,
        roles: [...request.roles],
      },
    };
  }

  private pack(story: GraphNode, around: Neighbourhood, role: Role, phase: ContextPhase, request: RehydrationRequest): RolePack {
    const allowed = new Set<Scope>(SCOPE_POLICY[role][phase]);
    const budget = ROLE_TOKEN_BUDGET[role];
    let used = 0;
    let omitted = 0;
    // Most relevant first; an element that would pass the budget is left out, later smaller ones may still fit.
    const fits = (text: string): boolean => {
      const cost = this.countTokens(`${text}\n`);
      if (used + cost > budget) {
        omitted++;
        return false;
      }
      used += cost;
      return true;
    };
    const of = (kind: GraphNode['kind']): GraphNode[] => around.nodes.filter((n) => n.kind === kind);
    const edges = (kind: GraphEdge['kind']): GraphEdge[] => around.edges.filter((e) => e.kind === kind);

    const caseHeader = {
      id: story.id,
      title: redact(story.title),
      description: redact(story.body),
      status: story.props['state'] ?? story.props['phase'] ?? '',
      createdAtMs: story.updatedAtMs,
      createdBy: story.props['created_by'] ?? '',
    };
    fits(`${caseHeader.title}\n${caseHeader.description}`);

    const tasks = of('Task');
    const [plan] = of('PlanVersion').sort((a, b) => b.updatedAtMs - a.updatedAtMs);
    const planHeader =
      plan !== undefined && allowed.has('PLAN_HEADER')
        ? {
            id: plan.id,
            version: of('PlanVersion').length,
            status: plan.props['status'] ?? 'proposed',
            totalSubtasks: tasks.length,
            completedSubtasks: tasks.filter((t) => DONE.has(t.props['status'] ?? '')).length,
          }
        : undefined;

    const dependsOn = edges('DEPENDS_ON');
    const subtasks: PackSubtask[] = [];
    const ownTasks = allowed.has('SUBTASKS_ALL') || allowed.has('SUBTASKS_ROLE');
    for (const t of tasks.sort((a, b) => taskRank(a, role) - taskRank(b, role) || a.id.localeCompare(b.id))) {
      const mine = t.props['role'] === role;
      if (!ownTasks || (!mine && !allowed.has('SUBTASKS_ALL'))) continue;
      const subtask: PackSubtask = {
        id: t.id,
        title: redact(t.title),
        description: redact(t.body),
        role: t.props['role'] ?? '',
        status: t.props['status'] ?? '',
        dependencies:
          allowed.has('DEPS_RELEVANT') || allowed.has('SUBTASKS_ALL')
            ? dependsOn.filter((d) => d.from.id === t.id).map((d) => d.to.id)
            : [],
        priority: Number(t.props['priority'] ?? 0) || 0,
      };
      if (fits(`${subtask.title} ${subtask.description}`)) subtasks.push(subtask);
    }

    const { decisions: decisionNodes, superseded } = decisionsFor(around, role);
    const authors = new Map(edges('AUTHORED_BY').map((e) => [e.from.id, e.to.id]));
    const decisions: PackDecision[] = [];
    for (const d of decisionNodes) {
      const mine = d.props['role'] === role;
      if (!allowed.has('DECISIONS_ALL') && !(mine && allowed.has('DECISIONS_RELEVANT_ROLE'))) continue;
      const decision: PackDecision = {
        id: d.id,
        title: redact(d.title),
        rationale: redact(d.body),
        status: superseded.has(d.id) ? 'superseded' : (d.props['status'] ?? 'proposed'),
        decidedBy: authors.get(d.id) ?? d.props['winner'] ?? '',
        decidedAtMs: d.updatedAtMs,
      };
      if (fits(`${decision.title}\n${decision.rationale}`)) decisions.push(decision);
    }
    const shown = new Set(decisions.map((d) => d.id));
    const decisionRelations = edges('SUPERSEDES')
      .filter((e) => shown.has(e.from.id) && shown.has(e.to.id))
      .map((e) => ({ fromId: e.from.id, toId: e.to.id, kind: e.kind }));
    const taskTitles = new Map(subtasks.map((t) => [t.id, t.title]));
    const impacted = edges('AFFECTS')
      .filter((e) => shown.has(e.from.id) && e.to.kind === 'Task' && taskTitles.has(e.to.id))
      .map((e) => ({ decisionId: e.from.id, subtaskId: e.to.id, title: taskTitles.get(e.to.id)! }));

    const milestones: PackMilestone[] = [];
    if (request.timeline && allowed.has('MILESTONES')) {
      const events = of('Deliberation')
        .sort((a, b) => b.updatedAtMs - a.updatedAtMs)
        .slice(0, request.timelineEvents);
      for (const m of events) {
        const milestone: PackMilestone = {
          type: 'deliberation',
          description: redact(
            `${m.props['role'] ?? ''} deliberation ${m.id}: ${m.props['status'] ?? ''}${m.title === '' ? '' : ` — ${m.title}`}`,
          ),
          atMs: m.updatedAtMs,
          actor: m.props['winner'] ?? '',
        };
        if (fits(milestone.description)) milestones.push(milestone);
      }
    }
    // The last session's outcome: the newest decision this role may see.
    const lastSummary = request.summaries ? (decisions.find((d) => d.status !== 'superseded')?.title ?? '') : '';

    return {
      role,
      caseHeader,
      ...(planHeader === undefined ? {} : { plan: planHeader }),
      subtasks,
      decisions,
      decisionRelations,
      impacted,
      milestones,
      lastSummary,
      tokenBudget: budget,
      tokenCount: used,
      omitted,
    };
  }
}
