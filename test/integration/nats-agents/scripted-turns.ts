import { setTimeout as sleep } from 'node:timers/promises';
import type { Agent } from '../../../core/domain/council.js';
import type { DeliberationResult } from '../../../core/domain/deliberation.js';
import { abortError } from '../../../core/domain/errors.js';
import type { Proposal, ProposalContent } from '../../../core/domain/proposal.js';
import type { Task } from '../../../core/domain/task.js';
import type { AgentTurns, TurnContext, TurnOutput } from '../../../core/ports/agent-turns.js';

export interface ScriptedCall {
  readonly method: keyof AgentTurns;
  readonly agentId: string;
  readonly args: readonly unknown[];
}

export interface ScriptedTurns extends AgentTurns {
  readonly calls: ScriptedCall[];
  /** Turns running now, and the most that ever ran at once. */
  readonly inFlight: number;
  readonly maxInFlight: number;
  /** Abort reasons of turns whose signal fired, by agent id. */
  readonly aborted: Map<string, unknown>;
}

export interface ScriptOptions {
  /** How long each turn takes; it ends early (rejecting) when its signal fires. */
  readonly delayMs?: number;
  /** Throw this from a turn instead of answering. */
  readonly fail?: (method: keyof AgentTurns, agentId: string) => Error | undefined;
  readonly onStart?: (method: keyof AgentTurns, agentId: string) => void;
  /** Progress reports a turn makes before answering. */
  readonly progressTicks?: number;
}

/** Deterministic agent turns: content that addresses the task's requirements, delays and failures on demand. */
export function scriptedTurns(options: ScriptOptions = {}): ScriptedTurns {
  const calls: ScriptedCall[] = [];
  const aborted = new Map<string, unknown>();
  let inFlight = 0;
  let maxInFlight = 0;

  async function turn<T>(
    method: keyof AgentTurns,
    agentId: string,
    args: unknown[],
    ctx: TurnContext,
    value: () => T,
  ): Promise<TurnOutput<T>> {
    calls.push({ method, agentId, args });
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const onAbort = (): void => void aborted.set(agentId, ctx.signal.reason);
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    try {
      options.onStart?.(method, agentId);
      const ticks = options.progressTicks ?? 0;
      for (let i = 1; i <= ticks; i++) {
        ctx.onProgress?.({ tokens: i * 10, tokensPerSecond: 100, text: `word${i} ` });
        await sleep(30);
      }
      if (options.delayMs !== undefined) await sleep(options.delayMs, undefined, { signal: ctx.signal }).catch(() => undefined);
      if (ctx.signal.aborted) throw abortError(ctx.signal);
      const failure = options.fail?.(method, agentId);
      if (failure !== undefined) throw failure;
      const v = value();
      return { value: v, raw: JSON.stringify(v), completionTokens: 42, durationMs: options.delayMs ?? 1 };
    } finally {
      inFlight--;
      ctx.signal.removeEventListener('abort', onAbort);
    }
  }

  const content = (agent: string, task: Task, round = 0): ProposalContent => ({
    summary: `Proposal by ${agent} for ${task.id}, revision ${round}: a small, well-tested change.`,
    approach: `Implement it in clear steps. ${task.constraints.requirements.join('. ')}.`,
    risks: 'Edge cases in configuration; mitigated by tests and careful rollout.',
    requirements: task.constraints.requirements.map((r) => `Met: ${r}`),
  });

  return {
    calls,
    aborted,
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    propose: (agent: Agent, task: Task, ctx: TurnContext) => turn('propose', agent.id, [agent, task], ctx, () => content(agent.id, task)),
    critique: (reviewer: Agent, task: Task, target: Proposal, round: number, ctx: TurnContext) =>
      turn('critique', reviewer.id, [reviewer, task, target, round], ctx, () => ({
        feedback: `${reviewer.id} on ${target.authorId}: name the metrics.`,
        issues: ['no metrics named'],
      })),
    revise: (author, task, proposal, critique, ctx) =>
      turn('revise', author.id, [author, task, proposal, critique], ctx, () => content(author.id, task, critique.round)),
    judge: (task, proposal, ctx) =>
      turn('judge', `judge:${proposal.authorId}`, [task, proposal], ctx, () => ({
        // One value out of range, so the domain's clamping shows through the wire.
        scores: Object.fromEntries(task.constraints.rubric.map((c, i) => [c, i === 0 ? 12 : proposal.authorId.length % 10])),
        comment: `fair proposal by ${proposal.authorId}`,
      })),
    choose: (architect: Agent, task: Task, candidates: readonly DeliberationResult[], ctx: TurnContext) =>
      turn('choose', architect.id, [architect, task, candidates], ctx, () => ({
        chosenId: candidates.at(-1)!.proposal.authorId,
        rationale: 'the last candidate is the simplest to roll back',
      })),
  };
}
