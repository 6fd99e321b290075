import type { GraphEdge, GraphNode, NodeRef } from '../domain/context-graph.js';
import type { ContextPhase } from '../domain/context-policy.js';
import { FleetError, invalidArgument } from '../domain/errors.js';
import type { Clock } from '../ports/clock.js';
import type { ContextGraph } from '../ports/context-graph.js';
import type { ContextWrites, NewContextStory, NewContextTask, NewDecision } from '../ports/context-service.js';

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
    const body = `Why: ${d.rationale}${d.alternatives.trim() === '' ? '' : `\nAlternatives:\n${d.alternatives}`}`;
    await this.deps.graph.upsertNodes([
      {
        kind: 'Decision',
        id,
        title: required(d.title, 'title'),
        body,
        props: { ...d.metadata, type: d.type, status: 'proposed' },
        updatedAtMs: now,
      },
    ]);
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

  private async story(storyId: string): Promise<GraphNode> {
    const story = await this.deps.graph.node({ kind: 'Story', id: storyId });
    if (story === undefined) throw new FleetError('NOT_FOUND', `story not found in the context graph: ${storyId}`, { field: 'story_id' });
    return story;
  }
}

function required(value: string, field: string): string {
  if (value.trim() === '') throw invalidArgument(field, 'a non-empty value');
  return value.trim();
}
