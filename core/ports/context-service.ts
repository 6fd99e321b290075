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
