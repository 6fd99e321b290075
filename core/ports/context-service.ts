import type { ContextPhase, Scope } from '../domain/context-policy.js';
import type { Role } from '../domain/role.js';

export interface ContextRequest {
  readonly storyId: string;
  readonly role: Role;
  readonly phase: ContextPhase;
  /** The task the agent works on: it comes first among the tasks. */
  readonly subtaskId?: string;
  /** Tokens the context may take; the role's budget when absent. */
  readonly tokenBudget?: number;
}

export interface BuiltContext {
  readonly context: string;
  /** Counted with the model's own tokenizer. */
  readonly tokenCount: number;
  readonly scopes: readonly Scope[];
  /** A fingerprint of exactly what was included: the same graph and request give the same version. */
  readonly version: string;
  readonly blocks: { readonly system: string; readonly context: string; readonly tools: string };
  /** Items left out because the budget was spent, most relevant kept. */
  readonly omitted: number;
}

/** What the context service, the orchestrator and deliberations ask of a story's context. */
export interface ContextReader {
  /** NOT_FOUND naming story_id for a story the graph does not hold. */
  build(request: ContextRequest): Promise<BuiltContext>;
}

export interface NewContextStory {
  readonly storyId: string;
  readonly title: string;
  readonly description: string;
  readonly phase: ContextPhase;
}

export interface NewContextTask {
  readonly storyId: string;
  readonly taskId: string;
  readonly title: string;
  readonly description: string;
  readonly role: Role;
  readonly dependencies: readonly string[];
  readonly priority: number;
  readonly estimatedHours: number;
}

export interface NewDecision {
  readonly storyId: string;
  readonly type: string;
  readonly title: string;
  readonly rationale: string;
  readonly alternatives: string;
  readonly metadata: Readonly<Record<string, string>>;
}

/** A decision's fields as a change names them; on UPDATE an absent one keeps its value. */
export interface DecisionFields {
  readonly title?: string;
  readonly rationale?: string;
  readonly status?: string;
  readonly alternatives?: string;
}

/** A subtask's fields as a change names them; on UPDATE an absent one keeps its value. */
export interface SubtaskFields {
  readonly title?: string;
  readonly description?: string;
  readonly role?: Role;
  readonly status?: string;
  readonly priority?: number;
  /** Tasks it waits for, added to those it already waits for: the graph keeps its history. */
  readonly dependencies?: readonly string[];
}

/**
 * A point on the story's timeline, kept as a Deliberation node: the graph reaches one from its story
 * only through the decision it was reached in, so it names that decision.
 */
export interface MilestoneFields {
  readonly decisionId: string;
  readonly title?: string;
  readonly status?: string;
}

interface ChangeOf<E extends string, F, O = 'CREATE' | 'UPDATE'> {
  readonly entity: E;
  readonly operation: O;
  readonly id: string;
  readonly fields: F;
  /** How the request names this change (`changes[i]`), for the errors that point at it. */
  readonly at: string;
}

export type EntityChange =
  | ChangeOf<'DECISION', DecisionFields>
  | ChangeOf<'SUBTASK', SubtaskFields>
  // A timeline is appended to, not rewritten.
  | ChangeOf<'MILESTONE', MilestoneFields, 'CREATE'>;

export interface ContextUpdate {
  readonly storyId: string;
  /**
   * Who made the changes: the decisions and milestones it creates are its own, and the subtasks too
   * unless they name another role.
   */
  readonly role: Role;
  readonly changes: readonly EntityChange[];
}

/** The context service's writes to the decision graph; each announces context.updated for its story. */
export interface ContextWrites {
  /** ALREADY_EXISTS when the graph holds the story. */
  createStory(story: NewContextStory): Promise<void>;
  /** NOT_FOUND naming story_id or the missing dependency. */
  createTask(task: NewContextTask): Promise<void>;
  /** The new decision's id; NOT_FOUND naming story_id. */
  addDecision(decision: NewDecision): Promise<string>;
  /** FAILED_PRECONDITION naming from_phase when the story is in another phase. */
  transitionPhase(storyId: string, from: ContextPhase, to: ContextPhase): Promise<{ readonly atMs: number }>;
  /**
   * Applies the changes in order, all or none: NOT_FOUND naming story_id, an updated entity the story
   * lacks, a missing dependency or a milestone's decision the story lacks; ALREADY_EXISTS naming a
   * created one the graph holds. The hash fingerprints what was written.
   */
  update(update: ContextUpdate): Promise<{ readonly hash: string }>;
}

export interface RehydrationRequest {
  readonly storyId: string;
  /** One pack each, in this order. */
  readonly roles: readonly Role[];
  readonly timeline: boolean;
  readonly summaries: boolean;
  /** The newest milestones kept, at most. */
  readonly timelineEvents: number;
}

export interface PackSubtask {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly role: string;
  readonly status: string;
  readonly dependencies: readonly string[];
  readonly priority: number;
}

export interface PackDecision {
  readonly id: string;
  readonly title: string;
  readonly rationale: string;
  readonly status: string;
  readonly decidedBy: string;
  readonly decidedAtMs: number;
}

export interface PackMilestone {
  readonly type: string;
  readonly description: string;
  readonly atMs: number;
  readonly actor: string;
}

/** What one role may see of a story, structured: scoped, redacted and within the role's budget. */
export interface RolePack {
  readonly role: Role;
  readonly caseHeader: {
    readonly id: string;
    readonly title: string;
    readonly description: string;
    readonly status: string;
    readonly createdAtMs: number;
    readonly createdBy: string;
  };
  readonly plan?: {
    readonly id: string;
    readonly version: number;
    readonly status: string;
    readonly totalSubtasks: number;
    readonly completedSubtasks: number;
  };
  readonly subtasks: readonly PackSubtask[];
  readonly decisions: readonly PackDecision[];
  readonly decisionRelations: readonly { readonly fromId: string; readonly toId: string; readonly kind: string }[];
  readonly impacted: readonly { readonly decisionId: string; readonly subtaskId: string; readonly title: string }[];
  readonly milestones: readonly PackMilestone[];
  readonly lastSummary: string;
  readonly tokenBudget: number;
  /** Counted with the model's own tokenizer over the pack's texts. */
  readonly tokenCount: number;
  /** Elements left out because the budget was spent, most relevant kept. */
  readonly omitted: number;
}

export interface Rehydration {
  readonly storyId: string;
  readonly generatedAtMs: number;
  readonly packs: readonly RolePack[];
  readonly stats: {
    readonly decisions: number;
    readonly decisionEdges: number;
    readonly impacts: number;
    readonly events: number;
    readonly roles: readonly Role[];
  };
}

/** A story's context as one structured pack per role (RehydrateSession). */
export interface SessionRehydrator {
  /** NOT_FOUND naming case_id for a story the graph does not hold. */
  rehydrate(request: RehydrationRequest): Promise<Rehydration>;
}
