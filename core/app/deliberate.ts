import { type Agent, type Council, makeAgents } from '../domain/council.js';
import {
  type AgentFailure,
  type ArchitectDecision,
  type Deliberation,
  type DeliberationResult,
  isTerminal,
  nextAttempt,
  type Phase,
  transition,
} from '../domain/deliberation.js';
import { abortError, FleetError } from '../domain/errors.js';
import type { DeliberationEvent } from '../domain/events.js';
import { type Critique, type Proposal, withRevision } from '../domain/proposal.js';
import { rank } from '../domain/ranking.js';
import { combineScore, judgeRubric, runChecks } from '../domain/scoring.js';
import { DEFAULT_MAX_TOKENS, DEFAULT_RUBRIC, DEFAULT_TIMEOUT_MS, type Task } from '../domain/task.js';
import type { AgentTurns, TurnContext, TurnOutput } from '../ports/agent-turns.js';
import type { Clock } from '../ports/clock.js';
import type { GenerateProgress } from '../ports/language-model.js';
import type { DeliberationStore } from '../ports/deliberation-store.js';
import type { OrchestrateCommand, RunOptions } from '../ports/deliberation-service.js';
import type { DeliberationEvents } from './deliberation-events.js';

export interface DeliberateDeps {
  readonly deliberations: DeliberationStore;
  readonly turns: AgentTurns;
  readonly clock: Clock;
  readonly events: DeliberationEvents;
  readonly modelName: string;
  /** Recorded on the deliberation: see RunOwners. */
  readonly owner: string;
}

export const DEFAULT_TOP_K = 3;
/** Progress events per agent are throttled: a token-by-token stream would swamp watchers. */
const PROGRESS_INTERVAL_MS = 250;
/** Id of the impartial judge in failures and audit records. */
const JUDGE_ID = 'judge';

export function buildTask(command: OrchestrateCommand, taskId: string): Task {
  return {
    id: taskId,
    description: command.description,
    role: command.role,
    ...(command.storyId === undefined ? {} : { storyId: command.storyId }),
    ...(command.planId === undefined ? {} : { planId: command.planId }),
    constraints: {
      rubric: command.rubric !== undefined && command.rubric.length > 0 ? command.rubric : DEFAULT_RUBRIC,
      requirements: command.requirements ?? [],
      timeoutMs: command.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      maxTokens: command.maxTokens ?? DEFAULT_MAX_TOKENS,
    },
  };
}

/** The agents a deliberation uses: the council's first N, topped up with stable ids if N exceeds it. */
export function agentsFor(council: Council, numAgents: number | undefined): Agent[] {
  const wanted = numAgents ?? council.agents.length;
  const agents = council.agents.slice(0, wanted);
  const taken = new Set(agents.map((a) => a.id));
  for (const extra of makeAgents(council.role, wanted + council.agents.length)) {
    if (agents.length >= wanted) break;
    if (!taken.has(extra.id)) agents.push(extra);
  }
  return agents;
}

/**
 * One deliberation, start to finish: propose (all agents at once) → for each round, agent i critiques
 * proposal (i+1) mod N and its author revises → every final proposal judged and checked → ranked →
 * winner; with `architect`, the ARCHITECT then chooses among the top k. The record is saved after
 * every turn so a crash loses at most the turns in flight.
 */
export class DeliberationRun {
  private d: Deliberation;
  private readonly signal: AbortSignal;
  /**
   * Held for as long as the run: AbortSignal.any refers to its sources only weakly (Node 20), so a
   * deadline nothing else held was collected with its timer, and the run never timed out.
   */
  private readonly deadline: AbortSignal;
  private readonly lastProgress = new Map<string, number>();
  /** Streamed text not yet sent, per agent: progress events are throttled, the text they carry is not cut. */
  private readonly unsentText = new Map<string, string>();
  /** Agent turns ended so far, and the count expected in all (re-estimated at each phase). */
  private turnsDone = 0;
  private turnsPlanned = 1;
  private lastWrite: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: DeliberateDeps,
    council: Council,
    task: Task,
    agents: readonly Agent[],
    /** Critique/revise rounds; 0 when peer review is off. */
    rounds: number,
    private readonly options: RunOptions & {
      readonly architect?: Agent;
      readonly topK?: number;
      /** The failed (timed out, cancelled) attempt of the same task this run retries. */
      readonly retryOf?: Deliberation;
    },
  ) {
    this.deadline = AbortSignal.timeout(task.constraints.timeoutMs);
    this.signal = options.signal === undefined ? this.deadline : AbortSignal.any([options.signal, this.deadline]);
    this.d = {
      taskId: task.id,
      ...(options.retryOf === undefined ? { attempt: 1 } : nextAttempt(options.retryOf)),
      councilId: council.id,
      role: task.role,
      task,
      agents,
      rounds,
      ...(options.architect === undefined ? {} : { orchestrated: true }),
      model: deps.modelName,
      owner: deps.owner,
      status: 'PENDING',
      results: [],
      failures: [],
      timings: [],
      createdAtMs: deps.clock.now(),
    };
  }

  get deliberation(): Deliberation {
    return this.d;
  }

  async run(): Promise<Deliberation> {
    try {
      await this.save();
      await this.setStatus('IN_PROGRESS');
      let proposals = await this.propose();
      for (let round = 1; round <= this.d.rounds && proposals.length >= 2; round++) {
        proposals = await this.reviewRound(proposals, round);
      }
      const ranked = await this.score(proposals);
      this.d = { ...this.d, results: ranked, winnerId: ranked[0]?.proposal.authorId };
      if (this.options.architect !== undefined) await this.choose(this.options.architect, ranked);
      await this.setStatus('COMPLETED');
    } catch (e) {
      this.fail(e);
      await this.finish();
      throw this.signal.aborted ? abortError(this.signal) : e;
    }
    await this.finish();
    return this.d;
  }

  private async propose(): Promise<Proposal[]> {
    const outputs = await this.phase('propose', undefined, this.d.agents.length, () =>
      Promise.all(
        this.d.agents.map((agent) => this.turn(agent.id, 'propose', undefined, (ctx) => this.deps.turns.propose(agent, this.d.task, ctx))),
      ),
    );
    const proposals: Proposal[] = [];
    this.d.agents.forEach((agent, i) => {
      const out = outputs[i];
      if (out === undefined) return;
      proposals.push({
        authorId: agent.id,
        authorRole: agent.role,
        content: out.value,
        original: out.value,
        revisions: [],
        raw: out.raw,
        createdAtMs: this.deps.clock.now(),
      });
    });
    if (proposals.length === 0) {
      const reasons = this.d.failures.map((f) => `${f.agentId}: ${f.message}`).join('; ');
      throw new FleetError('INTERNAL', `every agent failed to propose (${reasons})`);
    }
    return proposals;
  }

  private async reviewRound(proposals: readonly Proposal[], round: number): Promise<Proposal[]> {
    const agentOf = (id: string): Agent => this.d.agents.find((a) => a.id === id)!;
    const n = proposals.length;
    const critiques = await this.phase('critique', round, n, () =>
      Promise.all(
        proposals.map((own, i) => {
          const reviewer = agentOf(own.authorId);
          const target = proposals[(i + 1) % n]!;
          // Named with its target, so a live view can show the critique beside the proposal it is about.
          return this.turn(
            reviewer.id,
            'critique',
            round,
            (ctx) => this.deps.turns.critique(reviewer, this.d.task, target, round, ctx),
            target.authorId,
          );
        }),
      ),
    );
    return this.phase('revise', round, n, () =>
      Promise.all(
        proposals.map(async (own, i) => {
          // Proposal i was critiqued by the agent before it in the ring.
          const reviewIndex = (i - 1 + n) % n;
          const out = critiques[reviewIndex];
          if (out === undefined) return own;
          const critique: Critique = {
            reviewerId: proposals[reviewIndex]!.authorId,
            targetAuthorId: own.authorId,
            round,
            feedback: out.value.feedback,
            issues: out.value.issues,
            raw: out.raw,
            createdAtMs: this.deps.clock.now(),
          };
          const author = agentOf(own.authorId);
          const revised = await this.turn(author.id, 'revise', round, (ctx) =>
            this.deps.turns.revise(author, this.d.task, own, critique, ctx),
          );
          // A failed revision keeps the proposal as it was; the critique is still on record.
          return withRevision(own, {
            round,
            content: revised?.value ?? own.content,
            critique,
            raw: revised?.raw ?? '',
            createdAtMs: this.deps.clock.now(),
          });
        }),
      ),
    );
  }

  private async score(proposals: readonly Proposal[]): Promise<DeliberationResult[]> {
    const { rubric, requirements } = this.d.task.constraints;
    const judged = await this.phase('score', undefined, proposals.length, () =>
      Promise.all(
        proposals.map(async (proposal) => {
          const out = await this.turn(
            JUDGE_ID,
            'score',
            undefined,
            (ctx) => this.deps.turns.judge(this.d.task, proposal, ctx),
            proposal.authorId,
          );
          // An unavailable judgment scores the rubric as 0 rather than dropping the proposal.
          const judgment = judgeRubric(
            rubric,
            out?.value.scores ?? {},
            out?.value.comment ?? 'no judgment: the judge failed',
            out?.raw ?? '',
          );
          const checks = runChecks(proposal.content, { requirements });
          const scored = { proposal, judgment, checks, score: combineScore(judgment, checks) };
          this.emit({ type: 'scored', result: { ...scored, rank: 0 } });
          return scored;
        }),
      ),
    );
    const start = this.deps.clock.now();
    const ranked = rank(judged.map((j) => ({ ...j, authorId: j.proposal.authorId }))).map(({ authorId: _a, ...r }) => r);
    this.d = { ...this.d, timings: [...this.d.timings, { phase: 'rank', startedAtMs: start, finishedAtMs: this.deps.clock.now() }] };
    this.emit({ type: 'phase', phase: 'rank' });
    return ranked;
  }

  private async choose(architect: Agent, ranked: readonly DeliberationResult[]): Promise<void> {
    const candidates = ranked.slice(0, this.options.topK ?? DEFAULT_TOP_K);
    const out = await this.phase('choose', undefined, 1, () =>
      this.turn(architect.id, 'choose', undefined, (ctx) => this.deps.turns.choose(architect, this.d.task, candidates, ctx)),
    );
    const ids = candidates.map((c) => c.proposal.authorId);
    const decision: ArchitectDecision =
      out !== undefined && ids.includes(out.value.chosenId)
        ? { chosenId: out.value.chosenId, rationale: out.value.rationale, candidates: ids, raw: out.raw }
        : {
            chosenId: ids[0]!,
            rationale: 'the architect gave no usable choice; the top-ranked proposal stands',
            candidates: ids,
            raw: out?.raw ?? '',
          };
    this.d = { ...this.d, decision, winnerId: decision.chosenId };
  }

  /** Turns still ahead from the start of `phase`, with `n` proposals (or agents) in play. */
  private turnsAhead(phase: Phase, round: number, n: number): number {
    const choose = this.options.architect === undefined ? 0 : 1;
    const rounds = n >= 2 ? this.d.rounds : 0;
    switch (phase) {
      case 'propose':
        return n + rounds * 2 * n + n + choose;
      case 'critique':
        return (rounds - round + 1) * 2 * n + n + choose;
      case 'revise':
        return n + (rounds - round) * 2 * n + n + choose;
      case 'score':
        return n + choose;
      case 'rank':
      case 'choose':
        return choose;
    }
  }

  private progressPercent(): number {
    if (isTerminal(this.d.status)) return 100;
    return Math.min(99, Math.floor((100 * this.turnsDone) / Math.max(1, this.turnsPlanned)));
  }

  private async phase<T>(phase: Phase, round: number | undefined, n: number, body: () => Promise<T>): Promise<T> {
    this.turnsPlanned = this.turnsDone + this.turnsAhead(phase, round ?? 1, n);
    const startedAtMs = this.deps.clock.now();
    this.d = { ...this.d, currentPhase: phase };
    this.emit({ type: 'phase', phase, ...(round === undefined ? {} : { round }) });
    await this.save();
    const value = await body();
    this.d = {
      ...this.d,
      timings: [...this.d.timings, { phase, ...(round === undefined ? {} : { round }), startedAtMs, finishedAtMs: this.deps.clock.now() }],
    };
    await this.save();
    return value;
  }

  /** Runs one agent turn; a failure is recorded and yields undefined, an abort ends the deliberation. */
  private async turn<T>(
    agentId: string,
    phase: Phase,
    round: number | undefined,
    call: (ctx: TurnContext) => Promise<TurnOutput<T>>,
    subject?: string,
  ): Promise<TurnOutput<T> | undefined> {
    if (this.signal.aborted) throw abortError(this.signal);
    const who = subject === undefined ? agentId : `${agentId}:${subject}`;
    const where = { taskId: this.d.taskId, attempt: this.d.attempt, agentId: who, phase, ...(round === undefined ? {} : { round }) };
    this.emit({ type: 'agent', agentId: who, phase, state: 'started' });
    try {
      const out = await call({
        signal: this.signal,
        attempt: this.d.attempt,
        onProgress: (p) => this.progress(who, phase, p),
      });
      this.turnsDone++;
      await this.deps.deliberations.appendTurn({
        ...where,
        ok: true,
        raw: out.raw,
        completionTokens: out.completionTokens,
        durationMs: out.durationMs,
        atMs: this.deps.clock.now(),
      });
      const tokensPerSecond = out.durationMs > 0 ? (1000 * out.completionTokens) / out.durationMs : 0;
      this.emit({
        type: 'agent',
        agentId: who,
        phase,
        state: 'done',
        tokens: out.completionTokens,
        tokensPerSecond,
        text: this.takeText(who),
      });
      return out;
    } catch (e) {
      if (this.signal.aborted) throw abortError(this.signal);
      // A full disk (here, or under the NATS store) is not this agent's failure: nothing after it could be kept.
      if (e instanceof FleetError && e.code === 'RESOURCE_EXHAUSTED') throw e;
      const error = e instanceof FleetError ? e : new FleetError('INTERNAL', e instanceof Error ? e.message : String(e));
      this.turnsDone++;
      const { taskId: _task, attempt: _attempt, ...at } = where;
      const failure: AgentFailure = { ...at, code: error.code, message: error.message, atMs: this.deps.clock.now() };
      this.d = { ...this.d, failures: [...this.d.failures, failure] };
      await this.deps.deliberations.appendTurn({
        ...where,
        ok: false,
        raw: '',
        error: error.message,
        completionTokens: 0,
        durationMs: 0,
        atMs: failure.atMs,
      });
      this.unsentText.delete(who);
      this.emit({ type: 'agent-failed', agentId: who, phase, code: error.code, message: error.message });
      await this.save();
      return undefined;
    }
  }

  private progress(agentId: string, phase: Phase, p: GenerateProgress): void {
    this.unsentText.set(agentId, (this.unsentText.get(agentId) ?? '') + p.text);
    const now = this.deps.clock.now();
    if (now - (this.lastProgress.get(agentId) ?? 0) < PROGRESS_INTERVAL_MS) return;
    this.lastProgress.set(agentId, now);
    this.emit({
      type: 'agent',
      agentId,
      phase,
      state: 'progress',
      tokens: p.tokens,
      tokensPerSecond: p.tokensPerSecond,
      text: this.takeText(agentId),
    });
  }

  private takeText(agentId: string): string {
    const text = this.unsentText.get(agentId) ?? '';
    this.unsentText.delete(agentId);
    return text;
  }

  private fail(e: unknown): void {
    if (isTerminal(this.d.status)) return;
    const now = this.deps.clock.now();
    if (this.signal.aborted) {
      const error = abortError(this.signal);
      // Stopped by the service for a reason of its own (its store cannot write): a failure, not a cancellation.
      const status = error.code === 'DEADLINE_EXCEEDED' ? 'TIMEOUT' : error.code === 'CANCELLED' ? 'CANCELLED' : 'FAILED';
      this.d = transition(this.d, status, now, error.message);
    } else {
      this.d = transition(this.d, 'FAILED', now, e instanceof Error ? e.message : String(e));
    }
    this.emit({ type: 'status', status: this.d.status });
  }

  private async setStatus(status: 'IN_PROGRESS' | 'COMPLETED'): Promise<void> {
    this.d = transition(this.d, status, this.deps.clock.now());
    this.emit({ type: 'status', status });
    await this.save();
  }

  private async finish(): Promise<void> {
    try {
      await this.save();
    } finally {
      // Watchers learn the outcome even when it could not be saved (a full disk).
      this.emit({ type: 'finished', deliberation: this.d });
    }
  }

  /** Writes the record as it is now, after every write asked for before: agents' turns end concurrently. */
  private save(): Promise<void> {
    const snapshot = this.d;
    const write = this.lastWrite.then(() => this.deps.deliberations.save(snapshot));
    this.lastWrite = write.catch(() => undefined);
    return write;
  }

  private emit(event: DistributiveOmit<DeliberationEvent, 'taskId' | 'atMs' | 'progressPercent' | 'storyId'>): void {
    const { storyId } = this.d.task;
    const full = {
      ...event,
      taskId: this.d.taskId,
      atMs: this.deps.clock.now(),
      progressPercent: this.progressPercent(),
      ...(storyId === undefined ? {} : { storyId }),
    } as DeliberationEvent;
    try {
      this.options.onEvent?.(full);
    } catch {
      // A caller's listener that throws (a closed stream, a broken pipe) is its own problem: it must
      // not pass for the failure of the agent whose turn happened to report.
    }
    this.deps.events.publish(full);
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
