import type { z } from 'zod';

import type { Agent } from '../../domain/council.js';
import type { DeliberationResult } from '../../domain/deliberation.js';
import type { Critique, Proposal, ProposalContent } from '../../domain/proposal.js';
import type { Task } from '../../domain/task.js';
import type { AgentTurns, ChoiceValue, CritiqueValue, JudgmentValue, TurnContext, TurnOutput } from '../../ports/agent-turns.js';
import type { LanguageModel } from '../../ports/language-model.js';
import { systemPrompt } from '../prompts/role-prompts.js';
import { choiceOutput, critiqueOutput, judgmentOutput, proposalOutput, toJsonSchema } from '../prompts/schemas.js';
import { choosePrompt, critiquePrompt, judgePrompt, proposePrompt, revisePrompt } from '../prompts/turn-prompts.js';
import { parseModelOutput } from './model-output.js';

export interface TurnBudgets {
  /** Tokens for a critique (proposals and revisions use the task's maxTokens). */
  readonly critique: number;
  readonly judge: number;
  readonly choose: number;
  /** Creative turns sample; judging stays greedy so scores are reproducible. */
  readonly temperature: number;
}

export const DEFAULT_TURN_BUDGETS: TurnBudgets = { critique: 192, judge: 96, choose: 192, temperature: 0.7 };

const proposalSchema = toJsonSchema(proposalOutput);
const critiqueSchema = toJsonSchema(critiqueOutput);

/** Stable per-agent seed: agents given the same prompt diverge, and a rerun reproduces them. */
function seedOf(...parts: string[]): number {
  let h = 2166136261;
  for (const ch of parts.join('|')) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return h >>> 0;
}

/** Agent turns run in this process on a LanguageModel (llama.cpp or an OpenAI-compatible server). */
export function createLocalAgentTurns(model: LanguageModel, budgets: TurnBudgets = DEFAULT_TURN_BUDGETS): AgentTurns {
  async function turn<S extends z.ZodType>(
    what: string,
    schema: S,
    jsonSchema: ReturnType<typeof toJsonSchema>,
    task: Task,
    prompt: string,
    maxTokens: number,
    temperature: number,
    seed: number,
    ctx: TurnContext,
  ): Promise<TurnOutput<z.output<S>>> {
    const result = await model.generate({
      system: systemPrompt(task.role, task.constraints.rubric, task.constraints.requirements),
      prompt,
      jsonSchema,
      maxTokens,
      temperature,
      seed,
      signal: ctx.signal,
      ...(ctx.onProgress === undefined ? {} : { onProgress: ctx.onProgress }),
    });
    return {
      value: parseModelOutput(schema, result.text, what),
      raw: result.text,
      completionTokens: result.completionTokens,
      durationMs: result.durationMs,
    };
  }

  return {
    propose: (agent: Agent, task: Task, ctx: TurnContext): Promise<TurnOutput<ProposalContent>> =>
      turn(
        `proposal by ${agent.id}`,
        proposalOutput,
        proposalSchema,
        task,
        proposePrompt(agent, task),
        task.constraints.maxTokens,
        budgets.temperature,
        seedOf(task.id, agent.id, 'propose'),
        ctx,
      ),

    critique: (reviewer: Agent, task: Task, target: Proposal, round: number, ctx: TurnContext): Promise<TurnOutput<CritiqueValue>> =>
      turn(
        `critique by ${reviewer.id}`,
        critiqueOutput,
        critiqueSchema,
        task,
        critiquePrompt(reviewer, task, target, round),
        budgets.critique,
        budgets.temperature,
        seedOf(task.id, reviewer.id, 'critique', String(round)),
        ctx,
      ),

    revise: (author: Agent, task: Task, proposal: Proposal, critique: Critique, ctx: TurnContext): Promise<TurnOutput<ProposalContent>> =>
      turn(
        `revision by ${author.id}`,
        proposalOutput,
        proposalSchema,
        task,
        revisePrompt(author, task, proposal, critique),
        task.constraints.maxTokens,
        budgets.temperature,
        seedOf(task.id, author.id, 'revise', String(critique.round)),
        ctx,
      ),

    judge: async (task: Task, proposal: Proposal, ctx: TurnContext): Promise<TurnOutput<JudgmentValue>> => {
      const schema = judgmentOutput(task.constraints.rubric);
      const out = await turn(
        `judgment of ${proposal.authorId}`,
        schema,
        toJsonSchema(schema),
        task,
        judgePrompt(task, proposal),
        budgets.judge,
        0,
        0,
        ctx,
      );
      return { ...out, value: { scores: out.value.scores, comment: out.value.comment } };
    },

    choose: async (
      architect: Agent,
      task: Task,
      candidates: readonly DeliberationResult[],
      ctx: TurnContext,
    ): Promise<TurnOutput<ChoiceValue>> => {
      const ids = candidates.map((c) => c.proposal.authorId);
      const schema = choiceOutput(ids as [string, ...string[]]);
      const out = await turn(
        `choice by ${architect.id}`,
        schema,
        toJsonSchema(schema),
        task,
        choosePrompt(architect, task, candidates),
        budgets.choose,
        0,
        0,
        ctx,
      );
      return { ...out, value: { chosenId: out.value.chosen_id, rationale: out.value.rationale } };
    },
  };
}
