import type { GraphEdge, GraphNode, Neighbourhood, NodeRef } from '../domain/context-graph.js';
import { ROLE_TOKEN_BUDGET, redact, SCOPE_POLICY, type Scope } from '../domain/context-policy.js';
import type { Deliberation } from '../domain/deliberation.js';
import { FleetError } from '../domain/errors.js';
import { fingerprint } from '../domain/fingerprint.js';
import { type Epic, type PlanTask, type Project, type Story, supersededTaskId } from '../domain/planning.js';
import { renderContent } from '../domain/proposal.js';
import type { Role } from '../domain/role.js';
import type { TaskDependency } from '../domain/task-derivation.js';
import type { ContextGraph } from '../ports/context-graph.js';
import type { BuiltContext, ContextReader, ContextRequest } from '../ports/context-service.js';

interface Item {
  readonly scope: Scope;
  readonly text: string;
}

const NEIGHBOURHOOD_DEPTH = 3;
const NEIGHBOURHOOD_LIMIT = 500;

/** A story and what surrounds it, as every context of it reads them; NOT_FOUND naming `field` when the graph lacks it. */
export async function storyNeighbourhood(
  graph: ContextGraph,
  storyId: string,
  field: string,
): Promise<{ readonly story: GraphNode; readonly around: Neighbourhood }> {
  const story = await graph.node({ kind: 'Story', id: storyId });
  if (story === undefined) throw new FleetError('NOT_FOUND', `story not found in the context graph: ${storyId}`, { field });
  return { story, around: await graph.neighbourhood({ kind: 'Story', id: story.id }, NEIGHBOURHOOD_DEPTH, { limit: NEIGHBOURHOOD_LIMIT }) };
}

/** The decisions around a story, the role's own first, then the newest; a superseded one only after what replaced it. */
export function decisionsFor(
  around: Neighbourhood,
  role: Role,
): { readonly decisions: GraphNode[]; readonly superseded: ReadonlySet<string> } {
  const superseded = new Set(around.edges.filter((e) => e.kind === 'SUPERSEDES').map((e) => e.to.id));
  const decisions = around.nodes
    .filter((n) => n.kind === 'Decision')
    .sort(
      (a, b) =>
        Number(superseded.has(a.id)) - Number(superseded.has(b.id)) ||
        Number(b.props['role'] === role) - Number(a.props['role'] === role) ||
        b.updatedAtMs - a.updatedAtMs,
    );
  return { decisions, superseded };
}

/**
 * Turns a story's decision graph into the context an agent of a role reads in a phase: only the scopes
 * its policy allows, most relevant first, every credential redacted, cut to the token budget with the
 * model's own tokenizer. The graph is read through its port: no query language here.
 */
export class ContextBuilder implements ContextReader {
  constructor(
    private readonly graph: ContextGraph,
    private readonly countTokens: (text: string) => number,
  ) {}

  async build(request: ContextRequest): Promise<BuiltContext> {
    const { story, around } = await storyNeighbourhood(this.graph, request.storyId, 'story_id');
    const scopes = SCOPE_POLICY[request.role][request.phase];
    const items = relevantItems(story, around, request, scopes);
    const budget = request.tokenBudget ?? ROLE_TOKEN_BUDGET[request.role];
    const kept: Item[] = [];
    let used = 0;
    for (const item of items) {
      const cost = this.countTokens(`${item.text}\n`);
      if (used + cost > budget) continue;
      kept.push(item);
      used += cost;
    }
    const context = kept.map((i) => i.text).join('\n');
    const system = `You are the ${request.role} agent in the ${request.phase} phase of story ${story.id}. Use only this context; it may be incomplete.`;
    return {
      context,
      tokenCount: context === '' ? 0 : this.countTokens(context),
      scopes,
      version: fingerprint(`${request.role}|${request.phase}|${context}`),
      blocks: { system, context, tools: '' },
      omitted: items.length - kept.length,
    };
  }
}

/** The context's items, most relevant first, each already redacted. */
function relevantItems(story: GraphNode, around: Neighbourhood, request: ContextRequest, scopes: readonly Scope[]): Item[] {
  const allowed = new Set(scopes);
  const of = (kind: GraphNode['kind']): GraphNode[] => around.nodes.filter((n) => n.kind === kind);
  const items: Item[] = [];
  // Under the first of `candidates` the policy allows (a role's own work is also in the "all" scopes).
  const add = (candidates: Scope | readonly Scope[], text: string): void => {
    const scope = (typeof candidates === 'string' ? [candidates] : candidates).find((c) => allowed.has(c));
    if (scope !== undefined) items.push({ scope, text: redact(text) });
  };
  add('CASE_HEADER', `## Story ${story.id}: ${story.title}\nState: ${story.props['state'] ?? ''}\n${story.body}`);
  const [epic] = of('Epic');
  if (epic !== undefined) add('CASE_HEADER', `Epic: ${epic.title}${epic.body === '' ? '' : ` — ${epic.body}`}`);
  const plans = of('PlanVersion').sort((a, b) => b.updatedAtMs - a.updatedAtMs);
  if (plans[0] !== undefined)
    add('PLAN_HEADER', `## Plan ${plans[0].id} (${plans[0].props['status'] ?? 'approved'}): roles ${plans[0].props['roles'] ?? ''}`);

  const tasks = of('Task').sort(
    (a, b) => taskRank(a, request.role, request.subtaskId) - taskRank(b, request.role, request.subtaskId) || a.id.localeCompare(b.id),
  );
  for (const t of tasks) {
    const mine = t.props['role'] === request.role || t.id === request.subtaskId;
    const line = `- Task ${t.id} [${t.props['role'] ?? ''}, ${t.props['status'] ?? ''}]: ${t.title}${t.body === '' ? '' : ` — ${t.body}`}`;
    add(mine ? ['SUBTASKS_ROLE', 'SUBTASKS_ALL'] : 'SUBTASKS_ALL', line);
  }
  const deps = around.edges.filter((e) => e.kind === 'DEPENDS_ON');
  for (const d of deps) add('DEPS_RELEVANT', `- ${d.from.id} depends on ${d.to.id}`);

  const { decisions, superseded } = decisionsFor(around, request.role);
  for (const d of decisions) {
    const mine = d.props['role'] === request.role;
    const status = superseded.has(d.id) ? 'superseded' : (d.props['status'] ?? 'proposed');
    const text = `### Decision ${d.id} (${d.props['role'] ?? ''}, ${status}): ${d.title}\n${d.body}`;
    // Another role's decision only where the policy shows them all.
    add(mine ? ['DECISIONS_RELEVANT_ROLE', 'DECISIONS_ALL'] : 'DECISIONS_ALL', text);
  }
  const deliberations = of('Deliberation').sort((a, b) => b.updatedAtMs - a.updatedAtMs);
  for (const m of deliberations)
    add(
      'MILESTONES',
      `- ${new Date(m.updatedAtMs).toISOString()} deliberation ${m.id} (${m.props['role'] ?? ''}): ${m.props['status'] ?? ''}${m.title === '' ? '' : ` — ${m.title}`}`,
    );
  return items;
}

/** The task worked on first, then the role's own, then the others. */
export const taskRank = (t: GraphNode, role: Role, subtaskId?: string): number =>
  t.id === subtaskId ? 0 : t.props['role'] === role ? 1 : 2;

/**
 * Writes planning and deliberation outcomes into the decision graph, one schema with the reader above:
 * the hierarchy, plans and tasks as they change, and every completed deliberation as a Decision (its
 * winner, the alternatives with their scores, the rationale) that AFFECTS its story.
 */
export class ContextProjector {
  constructor(private readonly graph: ContextGraph) {}

  async project(p: Project): Promise<void> {
    await this.graph.upsertNodes([node('Project', p.id, p.name, p.description, { status: p.status, rigor: p.rigor }, p.updatedAtMs)]);
  }

  async epic(e: Epic): Promise<void> {
    await this.graph.upsertNodes([node('Epic', e.id, e.title, e.description, { status: e.status }, e.updatedAtMs)]);
    await this.graph.link([edge('CONTAINS', { kind: 'Project', id: e.projectId }, { kind: 'Epic', id: e.id })]);
  }

  async story(s: Story): Promise<void> {
    await this.graph.upsertNodes([node('Story', s.id, s.title, s.brief, { state: s.state, dor_score: String(s.dorScore) }, s.updatedAtMs)]);
    await this.graph.link([edge('CONTAINS', { kind: 'Epic', id: s.epicId }, { kind: 'Story', id: s.id })]);
  }

  async task(t: PlanTask): Promise<void> {
    await this.graph.upsertNodes([
      node('Task', t.id, t.title, t.description, { role: t.type, status: t.status, priority: String(t.priority) }, t.updatedAtMs),
    ]);
    const links: GraphEdge[] = [edge('HAS_TASK', { kind: 'Story', id: t.storyId }, { kind: 'Task', id: t.id })];
    if (t.planId !== undefined) links.push(edge('HAS_TASK', { kind: 'PlanVersion', id: t.planId }, { kind: 'Task', id: t.id }));
    if (t.planId !== undefined) await this.plan(t.storyId, t.planId, [], t.updatedAtMs);
    await this.graph.link(links);
  }

  async plan(storyId: string, planId: string, roles: readonly Role[], atMs: number, approvedBy?: string): Promise<void> {
    const existing = await this.graph.node({ kind: 'PlanVersion', id: planId });
    const props = {
      status: approvedBy === undefined ? (existing?.props['status'] ?? 'proposed') : 'approved',
      roles: roles.join(', ') || (existing?.props['roles'] ?? ''),
    };
    await this.graph.upsertNodes([node('PlanVersion', planId, `plan ${planId}`, existing?.body ?? '', props, atMs)]);
    const links = [edge('HAS_PLAN', { kind: 'Story', id: storyId }, { kind: 'PlanVersion', id: planId })];
    if (approvedBy !== undefined) {
      await this.graph.upsertNodes([node('Actor', approvedBy, approvedBy, '', { kind: 'person' }, atMs)]);
      links.push(edge('AUTHORED_BY', { kind: 'PlanVersion', id: planId }, { kind: 'Actor', id: approvedBy }));
    }
    await this.graph.link(links);
  }

  /** `from` waits for `to`; both tasks are already in the graph. */
  async dependencies(edges: readonly TaskDependency[]): Promise<void> {
    await this.graph.link(edges.map((d) => edge('DEPENDS_ON', { kind: 'Task', id: d.from }, { kind: 'Task', id: d.to })));
  }

  /** A completed deliberation of a story becomes its Decision; one that reran after a rejection supersedes the earlier. */
  async decision(d: Deliberation): Promise<string | undefined> {
    const storyId = d.task.storyId;
    if (storyId === undefined || d.status !== 'COMPLETED' || d.winnerId === undefined) return undefined;
    if ((await this.graph.node({ kind: 'Story', id: storyId })) === undefined) return undefined;
    const winner = d.results.find((r) => r.proposal.authorId === d.winnerId);
    if (winner === undefined) return undefined;
    const id = `decision-${d.taskId}`;
    const at = d.finishedAtMs ?? d.createdAtMs;
    const alternatives = d.results
      .filter((r) => r !== winner)
      .map((r) => `${r.proposal.authorId} (${r.score.total.toFixed(2)}): ${r.proposal.content.summary}`)
      .join('\n');
    const rationale = d.decision?.rationale ?? `ranked first with ${winner.score.total.toFixed(2)}`;
    const body = `${renderContent(winner.proposal.content)}\nWhy: ${rationale}${alternatives === '' ? '' : `\nAlternatives:\n${alternatives}`}`;
    await this.graph.upsertNodes([
      node(
        'Decision',
        id,
        winner.proposal.content.summary,
        body,
        { role: d.role, winner: d.winnerId, score: winner.score.total.toFixed(3), status: 'proposed' },
        at,
      ),
      node(
        'Deliberation',
        d.taskId,
        d.task.description.split('\n')[0] ?? '',
        '',
        { role: d.role, status: d.status, winner: d.winnerId },
        at,
      ),
      node('Actor', d.winnerId, d.winnerId, '', { kind: 'agent', role: d.role }, at),
    ]);
    const links: GraphEdge[] = [
      edge('AFFECTS', { kind: 'Decision', id }, { kind: 'Story', id: storyId }),
      edge('DECIDED_IN', { kind: 'Decision', id }, { kind: 'Deliberation', id: d.taskId }),
      edge('AUTHORED_BY', { kind: 'Decision', id }, { kind: 'Actor', id: d.winnerId }),
    ];
    const earlier = supersededTaskId(d.taskId);
    const supersedes = earlier === undefined ? undefined : `decision-${earlier}`;
    if (supersedes !== undefined && (await this.graph.node({ kind: 'Decision', id: supersedes })) !== undefined) {
      links.push(edge('SUPERSEDES', { kind: 'Decision', id }, { kind: 'Decision', id: supersedes }));
    }
    await this.graph.link(links);
    return id;
  }

  /** The product owner's verdict on a decision, kept on it. */
  async verdict(decisionTaskId: string, status: 'approved' | 'rejected', atMs: number): Promise<void> {
    const existing = await this.graph.node({ kind: 'Decision', id: `decision-${decisionTaskId}` });
    if (existing === undefined) return;
    await this.graph.upsertNodes([{ ...existing, props: { ...existing.props, status }, updatedAtMs: atMs }]);
  }
}

const node = (
  kind: GraphNode['kind'],
  id: string,
  title: string,
  body: string,
  props: Record<string, string>,
  updatedAtMs: number,
): GraphNode => ({
  kind,
  id,
  title,
  body,
  props,
  updatedAtMs,
});
const edge = (kind: GraphEdge['kind'], from: NodeRef, to: NodeRef): GraphEdge => ({ kind, from, to });
