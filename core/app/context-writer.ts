import type { GraphEdge, GraphNode, NodeKind, NodeRef } from '../domain/context-graph.js';
import type { ContextPhase } from '../domain/context-policy.js';
import { FleetError, invalidArgument } from '../domain/errors.js';
import { fingerprint } from '../domain/fingerprint.js';
import type { Role } from '../domain/role.js';
import type { Clock } from '../ports/clock.js';
import type { ContextGraph } from '../ports/context-graph.js';
import type {
  ContextUpdate,
  ContextWrites,
  DecisionFields,
  EntityChange,
  NewContextStory,
  NewContextTask,
  NewDecision,
  SubtaskFields,
} from '../ports/context-service.js';

export interface ContextWriterDeps {
  readonly graph: ContextGraph;
  readonly clock: Clock;
  /** Announces that the story's graph changed (context.updated), which also invalidates its cached contexts. */
  readonly contextUpdated: (storyId: string, atMs: number) => Promise<void>;
}

/**
 * The context service's own writes (from agents and the cluster, not from planning here), in the
 * schema `ContextBuilder` reads: a story with its phase, its tasks and their dependencies, decisions
 * that AFFECT it. Every write announces context.updated for the story.
 */
export class ContextWriter implements ContextWrites {
  constructor(private readonly deps: ContextWriterDeps) {}

  async createStory(s: NewContextStory): Promise<void> {
    const now = this.deps.clock.now();
    const existing = await this.deps.graph.node({ kind: 'Story', id: s.storyId });
    if (existing !== undefined)
      throw new FleetError('ALREADY_EXISTS', `story already in the context graph: ${s.storyId}`, { field: 'story_id' });
    await this.deps.graph.upsertNodes([
      { kind: 'Story', id: s.storyId, title: required(s.title, 'title'), body: s.description, props: { phase: s.phase }, updatedAtMs: now },
    ]);
    await this.deps.contextUpdated(s.storyId, now);
  }

  async createTask(t: NewContextTask): Promise<void> {
    const now = this.deps.clock.now();
    await this.story(t.storyId);
    for (const [i, dep] of t.dependencies.entries())
      if ((await this.deps.graph.node({ kind: 'Task', id: dep })) === undefined)
        throw new FleetError('NOT_FOUND', `dependency not found in the context graph: ${dep}`, { field: `dependencies[${i}]` });
    const props = { role: t.role, status: 'PENDING', priority: String(t.priority), estimated_hours: String(t.estimatedHours) };
    await this.deps.graph.upsertNodes([
      { kind: 'Task', id: t.taskId, title: required(t.title, 'title'), body: t.description, props, updatedAtMs: now },
    ]);
    const task: NodeRef = { kind: 'Task', id: t.taskId };
    await this.deps.graph.link([
      { kind: 'HAS_TASK', from: { kind: 'Story', id: t.storyId }, to: task },
      ...t.dependencies.map((d): GraphEdge => ({ kind: 'DEPENDS_ON', from: task, to: { kind: 'Task', id: d } })),
    ]);
    await this.deps.contextUpdated(t.storyId, now);
  }

  async addDecision(d: NewDecision): Promise<string> {
    const now = this.deps.clock.now();
    await this.story(d.storyId);
    const id = `decision-${this.deps.clock.newId()}`;
    const fields = { title: required(d.title, 'title'), rationale: d.rationale, alternatives: d.alternatives, status: 'proposed' };
    await this.deps.graph.upsertNodes([decisionNode(id, undefined, fields, { ...d.metadata, type: d.type }, now)]);
    await this.deps.graph.link([{ kind: 'AFFECTS', from: { kind: 'Decision', id }, to: { kind: 'Story', id: d.storyId } }]);
    await this.deps.contextUpdated(d.storyId, now);
    return id;
  }

  /** Moves the story on from `from`, which must be its phase now (FAILED_PRECONDITION otherwise). */
  async transitionPhase(storyId: string, from: ContextPhase, to: ContextPhase): Promise<{ readonly atMs: number }> {
    const now = this.deps.clock.now();
    const story = await this.story(storyId);
    const current = story.props['phase'] ?? 'DESIGN';
    if (current !== from)
      throw new FleetError('FAILED_PRECONDITION', `from_phase ${from}: story ${storyId} is in ${current}`, { field: 'from_phase' });
    await this.deps.graph.upsertNodes([{ ...story, props: { ...story.props, phase: to }, updatedAtMs: now }]);
    await this.deps.contextUpdated(storyId, now);
    return { atMs: now };
  }

  async update(u: ContextUpdate): Promise<{ readonly hash: string }> {
    const now = this.deps.clock.now();
    await this.story(u.storyId);
    const story: NodeRef = { kind: 'Story', id: u.storyId };
    const around = await this.deps.graph.neighbourhood(story, 1, { kinds: ['Decision', 'Task'] });
    // What the story holds, then what this request writes: later changes see the earlier ones.
    const held = new Map<string, GraphNode>(around.nodes.map((n) => [key(n), n]));
    const written = new Map<string, GraphNode>();
    const edges = new Map<string, GraphEdge>();
    const linkOnce = (e: GraphEdge): void => void edges.set(`${e.kind} ${key(e.from)} ${key(e.to)}`, e);
    // Every change is checked before anything is written, so a refused request leaves the graph as it was.
    for (const c of u.changes) {
      const ref: NodeRef = { kind: KIND_OF[c.entity], id: c.id };
      const before = held.get(key(ref));
      if (c.operation === 'UPDATE' && before === undefined)
        throw new FleetError('NOT_FOUND', `${c.at}: story ${u.storyId} has no ${ref.kind} ${c.id}`, { field: `${c.at}.entity_id` });
      if (c.operation === 'CREATE' && (before !== undefined || (await this.deps.graph.node(ref)) !== undefined))
        throw new FleetError('ALREADY_EXISTS', `${c.at}: ${ref.kind} already in the context graph: ${c.id}`, {
          field: `${c.at}.entity_id`,
        });
      for (const e of await this.edgesOf(c, ref, story, before === undefined, held)) linkOnce(e);
      const node = nodeOf(c, before, u.role, now);
      held.set(key(node), node);
      written.set(key(node), node);
    }
    if (written.size > 0) {
      await this.deps.graph.upsertNodes([...written.values()]);
      await this.deps.graph.link([...edges.values()]);
      await this.deps.contextUpdated(u.storyId, now);
    }
    // The built context's own version depends on the reader's role and phase, which an update does not name.
    return { hash: fingerprint(JSON.stringify([...written.values(), ...edges.values()])) };
  }

  /**
   * The edges a change adds, each end checked: NOT_FOUND naming a dependency or decision that neither
   * the graph nor the request holds.
   */
  private async edgesOf(
    c: EntityChange,
    ref: NodeRef,
    story: NodeRef,
    created: boolean,
    held: ReadonlyMap<string, GraphNode>,
  ): Promise<GraphEdge[]> {
    switch (c.entity) {
      case 'DECISION':
        return created ? [{ kind: 'AFFECTS', from: ref, to: story }] : [];
      case 'SUBTASK': {
        const edges: GraphEdge[] = created ? [{ kind: 'HAS_TASK', from: story, to: ref }] : [];
        for (const [i, dep] of (c.fields.dependencies ?? []).entries()) {
          const to: NodeRef = { kind: 'Task', id: dep };
          if (!held.has(key(to)) && (await this.deps.graph.node(to)) === undefined)
            throw new FleetError('NOT_FOUND', `${c.at}: dependency not found in the context graph: ${dep}`, {
              field: `${c.at}.payload.dependencies[${i}]`,
            });
          edges.push({ kind: 'DEPENDS_ON', from: ref, to });
        }
        return edges;
      }
      case 'MILESTONE': {
        const decision: NodeRef = { kind: 'Decision', id: c.fields.decisionId };
        // Only the story's own decisions: a milestone reached through another story's would show there.
        if (!held.has(key(decision)))
          throw new FleetError('NOT_FOUND', `${c.at}: story ${story.id} has no Decision ${decision.id}`, {
            field: `${c.at}.payload.decision_id`,
          });
        return [{ kind: 'DECIDED_IN', from: decision, to: ref }];
      }
    }
  }

  private async story(storyId: string): Promise<GraphNode> {
    const story = await this.deps.graph.node({ kind: 'Story', id: storyId });
    if (story === undefined) throw new FleetError('NOT_FOUND', `story not found in the context graph: ${storyId}`, { field: 'story_id' });
    return story;
  }
}

const key = (ref: NodeRef): string => `${ref.kind}:${ref.id}`;

const KIND_OF: Readonly<Record<EntityChange['entity'], NodeKind>> = { DECISION: 'Decision', SUBTASK: 'Task', MILESTONE: 'Deliberation' };

function nodeOf(c: EntityChange, before: GraphNode | undefined, role: Role, now: number): GraphNode {
  switch (c.entity) {
    case 'DECISION':
      return decisionNode(c.id, before, c.fields, { role }, now);
    case 'SUBTASK':
      return taskNode(c.id, before, c.fields, role, now);
    case 'MILESTONE':
      return {
        kind: 'Deliberation',
        id: c.id,
        title: c.fields.title ?? '',
        body: '',
        props: { role, status: c.fields.status ?? 'reached' },
        updatedAtMs: now,
      };
  }
}

/**
 * A decision as the reader shows it: its rationale and alternatives are kept as props too, so that a
 * later update of one of them rewrites the body without losing the other.
 */
function decisionNode(
  id: string,
  before: GraphNode | undefined,
  fields: DecisionFields,
  props: Readonly<Record<string, string>>,
  now: number,
): GraphNode {
  const was = before?.props ?? {};
  const rationale = fields.rationale ?? was['rationale'] ?? '';
  const alternatives = fields.alternatives ?? was['alternatives'] ?? '';
  const rewritten = before === undefined || fields.rationale !== undefined || fields.alternatives !== undefined;
  return {
    kind: 'Decision',
    id,
    title: fields.title ?? before?.title ?? '',
    body: rewritten ? `Why: ${rationale}${alternatives.trim() === '' ? '' : `\nAlternatives:\n${alternatives}`}` : before.body,
    // Whoever took the decision stays its author when another role updates it.
    props: { ...props, ...was, rationale, alternatives, status: fields.status ?? was['status'] ?? 'proposed' },
    updatedAtMs: now,
  };
}

function taskNode(id: string, before: GraphNode | undefined, f: SubtaskFields, role: Role, now: number): GraphNode {
  const was = before?.props ?? {};
  return {
    kind: 'Task',
    id,
    title: f.title ?? before?.title ?? '',
    body: f.description ?? before?.body ?? '',
    props: {
      ...was,
      role: f.role ?? was['role'] ?? role,
      status: f.status ?? was['status'] ?? 'PENDING',
      priority: f.priority === undefined ? (was['priority'] ?? '0') : String(f.priority),
    },
    updatedAtMs: now,
  };
}

function required(value: string, field: string): string {
  if (value.trim() === '') throw invalidArgument(field, 'a non-empty value');
  return value.trim();
}
