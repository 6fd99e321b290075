import type { Agent } from '../domain/council.js';
import type { DeliberationResult } from '../domain/deliberation.js';
import type { Critique, Proposal, ProposalContent } from '../domain/proposal.js';
import type { Task } from '../domain/task.js';
import type { GenerateProgress } from './language-model.js';

export interface TurnContext {
  readonly signal: AbortSignal;
  /** The deliberation's attempt (1 when absent): a retry's turns are new turns, not the failed attempt's again. */
  readonly attempt?: number;
  readonly onProgress?: (p: GenerateProgress) => void;
}

/** What a turn produced: the validated value and the raw model output kept for audit. */
export interface TurnOutput<T> {
  readonly value: T;
  readonly raw: string;
  readonly completionTokens: number;
  readonly durationMs: number;
}

export interface CritiqueValue {
  readonly feedback: string;
  readonly issues: readonly string[];
}

export interface JudgmentValue {
  /** Raw per-criterion values as the judge gave them; the domain clamps them. */
  readonly scores: Readonly<Record<string, unknown>>;
  readonly comment: string;
}

export interface ChoiceValue {
  readonly chosenId: string;
  readonly rationale: string;
}

/**
 * One agent's turn of a deliberation. Where it runs (this process through the LanguageModel port, or a
 * worker on another machine) is the implementation's business. Concurrent calls are expected.
 */
export interface AgentTurns {
  propose(agent: Agent, task: Task, ctx: TurnContext): Promise<TurnOutput<ProposalContent>>;
  critique(reviewer: Agent, task: Task, target: Proposal, round: number, ctx: TurnContext): Promise<TurnOutput<CritiqueValue>>;
  revise(author: Agent, task: Task, proposal: Proposal, critique: Critique, ctx: TurnContext): Promise<TurnOutput<ProposalContent>>;
  judge(task: Task, proposal: Proposal, ctx: TurnContext): Promise<TurnOutput<JudgmentValue>>;
  choose(architect: Agent, task: Task, candidates: readonly DeliberationResult[], ctx: TurnContext): Promise<TurnOutput<ChoiceValue>>;
}
