import { makeAgents } from '../domain/council.js';
import { type Deliberation, interrupted, isRetryable, isTerminal, transition } from '../domain/deliberation.js';
import { FleetError, notFound } from '../domain/errors.js';
import type { DeliberationEvent } from '../domain/events.js';
import { type HistoryPage, type HistoryQuery, searchHistory } from '../domain/history.js';
import type { Role } from '../domain/role.js';
import { type Task, taskDifferences } from '../domain/task.js';
import type { AgentTurns } from '../ports/agent-turns.js';
import type { Clock } from '../ports/clock.js';
import type { CouncilStore } from '../ports/council-store.js';
import type { DeliberateCommand, DeliberationService, OrchestrateCommand, RunOptions } from '../ports/deliberation-service.js';
import type { DeliberationStore } from '../ports/deliberation-store.js';
import type { EventBus } from '../ports/event-bus.js';
import type { RunOwners } from '../ports/run-owners.js';
import { agentsFor, buildTask, DeliberationRun } from './deliberate.js';
import { DeliberationEvents } from './deliberation-events.js';
import type { RunningDeliberation } from './metrics.js';

export interface DeliberationsDeps {
  readonly councils: CouncilStore;
  readonly deliberations: DeliberationStore;
  readonly turns: AgentTurns;
  readonly clock: Clock;
  readonly modelName: string;
  /** Where events also go for other services and the monitoring feed (NATS); must not reject. */
  readonly eventBus?: EventBus;
  /** Default: a lone process, so anything left unfinished at start was lost. */
  readonly owners?: RunOwners;
  /** Throws INVALID_ARGUMENT for a task the model cannot take (see promptBudget); unset, none is checked. */
  readonly checkFits?: (task: Task) => void;
  /**
   * The context of a story this daemon plans, for a role's prompts; undefined for a story it does not
   * know (planned elsewhere). Rejects when the context cannot be built: the deliberation is refused.
   */
  readonly contextFor?: (storyId: string, role: Role) => Promise<{ readonly text: string; readonly version: string } | undefined>;
}

const LONE_PROCESS: RunOwners = { self: 'this-process', isAlive: () => false };

interface Running {
  readonly promise: Promise<Deliberation>;
  readonly task: Task;
  readonly info: RunningDeliberation;
  /** Ends the run early: the user's stop, or the store's failure. */
  readonly halt: AbortController;
}

/**
 * Runs deliberations and reads them back: one task id names one task (asked again with the same
 * parameters it is the same deliberation; one that failed, timed out or was cancelled runs again as its
 * next attempt), a story's task carries its context, and the process's lifecycle (serving, a store that
 * cannot be written) decides whether new work is taken.
 */
export class Deliberations implements DeliberationService {
  private readonly events = new DeliberationEvents();
  private readonly owners: RunOwners;
  private readonly runs = new Map<string, Running>();
  private serving = false;
  /** Why the store cannot be written now, while it cannot. */
  private storeFailure: FleetError | undefined;

  constructor(private readonly deps: DeliberationsDeps) {
    this.owners = deps.owners ?? LONE_PROCESS;
  }

  deliberate(command: DeliberateCommand, options: RunOptions = {}): Promise<Deliberation> {
    return this.run(command, options, false);
  }

  orchestrate(command: OrchestrateCommand, options: RunOptions = {}): Promise<Deliberation> {
    return this.run(command, options, true);
  }

  async getDeliberation(taskId: string): Promise<Deliberation> {
    const d = await this.deps.deliberations.get(taskId);
    if (d === undefined) throw notFound('deliberation', taskId);
    return d;
  }

  async watch(taskId: string, listener: (event: DeliberationEvent) => void): Promise<() => void> {
    if (this.runs.has(taskId)) return this.events.subscribe(taskId, listener);
    const d = await this.getDeliberation(taskId);
    // It may have started here while the store answered.
    if (this.runs.has(taskId)) return this.events.subscribe(taskId, listener);
    if (!isTerminal(d.status)) {
      throw new FleetError('FAILED_PRECONDITION', `deliberation ${taskId} runs in another process: poll its result instead`, {
        field: 'task_id',
      });
    }
    // Already over: the watcher gets the outcome straight away (after it holds its unsubscribe).
    let live = true;
    queueMicrotask(() => {
      if (live) listener({ type: 'finished', taskId, atMs: this.deps.clock.now(), deliberation: d });
    });
    return () => {
      live = false;
    };
  }

  async cancel(taskId: string): Promise<{ readonly cancelled: boolean; readonly deliberation: Deliberation }> {
    const running = this.runs.get(taskId);
    const deliberation = await this.getDeliberation(taskId);
    if (running === undefined) return { cancelled: false, deliberation };
    running.halt.abort(new FleetError('CANCELLED', 'stopped by the user'));
    return { cancelled: true, deliberation };
  }

  async history(query: HistoryQuery): Promise<HistoryPage> {
    return searchHistory(await this.deps.deliberations.list(), query, this.deps.clock.now());
  }

  /** Startup: fails the deliberations whose process is gone (a crash or kill left them running). */
  async recoverInterrupted(): Promise<string[]> {
    const lost = (await this.deps.deliberations.unfinished()).filter((d) => d.owner === undefined || !this.owners.isAlive(d.owner));
    for (const d of lost) await this.deps.deliberations.save(interrupted(d, this.deps.clock.now()));
    return lost.map((d) => d.taskId);
  }

  /** Whether new deliberations are taken (false until started and while shutting down). */
  setServing(serving: boolean): void {
    this.serving = serving;
  }

  /** Serving, and the store can be written. */
  get healthy(): boolean {
    return this.serving && this.storeFailure === undefined;
  }

  /** The deliberations running in this process now. */
  running(): RunningDeliberation[] {
    return [...this.runs.values()].map((r) => r.info);
  }

  /**
   * The store cannot be written (its disk is full): until this is called again with undefined, new
   * deliberations are refused with `reason`, those running end FAILED with it, and health says so. On
   * recovery, those whose last save failed are saved FAILED at last.
   */
  async setStoreFailure(reason: FleetError | undefined): Promise<void> {
    const ended = this.storeFailure;
    this.storeFailure = reason;
    if (reason !== undefined) {
      for (const r of this.runs.values()) r.halt.abort(reason);
      return;
    }
    if (ended === undefined) return;
    // Ended while nothing could be written: the record still says where it was when the disk filled.
    const stranded = (await this.deps.deliberations.unfinished()).filter((d) => d.owner === this.owners.self && !this.runs.has(d.taskId));
    for (const d of stranded) await this.deps.deliberations.save(transition(d, 'FAILED', this.deps.clock.now(), ended.message));
  }

  private async run(command: OrchestrateCommand, options: RunOptions, architect: boolean): Promise<Deliberation> {
    if (!this.serving) throw new FleetError('UNAVAILABLE', 'the service is not serving (starting up or shutting down)');
    if (this.storeFailure !== undefined) throw this.storeFailure;
    const taskId = command.taskId ?? this.deps.clock.newId();
    const task = await this.withContext(buildTask(command, taskId));
    // A task id names one task: asked again with the same parameters, it is the same deliberation
    // (the run in flight, or the stored result once COMPLETED); one that failed, timed out or was
    // cancelled runs again as its next attempt. Other parameters under the same id are refused.
    const inFlight = this.runs.get(taskId);
    if (inFlight !== undefined) {
      refuseOtherTask(inFlight.task, task);
      return inFlight.promise;
    }
    const existing = await this.deps.deliberations.get(taskId);
    if (existing !== undefined) {
      refuseOtherTask(existing.task, task);
      if (!isTerminal(existing.status)) {
        throw new FleetError(
          'FAILED_PRECONDITION',
          `deliberation ${taskId} is ${existing.status} in another process: wait for it, then ask for its result`,
          { field: 'task_id' },
        );
      }
      if (!isRetryable(existing)) return existing;
    }
    const [council] = await this.deps.councils.list(command.role);
    if (council === undefined) {
      throw new FleetError('FAILED_PRECONDITION', `no council for role ${command.role}: create one first (CreateCouncil)`, {
        field: 'role',
      });
    }
    this.deps.checkFits?.(task);
    const chooser =
      architect && command.architectSelection !== false
        ? ((await this.deps.councils.list('ARCHITECT'))[0]?.agents[0] ?? makeAgents('ARCHITECT', 1)[0]!)
        : undefined;
    // Another call for the same id may have started it while the stores answered.
    const raced = this.runs.get(taskId);
    if (raced !== undefined) {
      refuseOtherTask(raced.task, task);
      return raced.promise;
    }
    const peerReview = command.peerReview ?? council.peerReview;
    const halt = new AbortController();
    const deliberation = new DeliberationRun(
      {
        deliberations: this.deps.deliberations,
        turns: this.deps.turns,
        clock: this.deps.clock,
        events: this.events,
        modelName: this.deps.modelName,
        owner: this.owners.self,
      },
      council,
      task,
      agentsFor(council, command.numAgents),
      peerReview ? (command.rounds ?? council.rounds) : 0,
      {
        ...options,
        signal: options.signal === undefined ? halt.signal : AbortSignal.any([options.signal, halt.signal]),
        onEvent: (e) => {
          void this.deps.eventBus?.publish(e);
          options.onEvent?.(e);
        },
        ...(chooser === undefined ? {} : { architect: chooser }),
        ...(command.topK === undefined ? {} : { topK: command.topK }),
        ...(existing === undefined ? {} : { retryOf: existing }),
      },
    );
    const promise = deliberation.run().finally(() => this.runs.delete(taskId));
    this.runs.set(taskId, {
      promise,
      task,
      halt,
      info: { councilId: council.id, role: council.role, agents: deliberation.deliberation.agents.length },
    });
    return promise;
  }

  /** A story's deliberation never runs without its context: one that cannot be built refuses the run. */
  private async withContext(task: Task): Promise<Task> {
    if (task.storyId === undefined || this.deps.contextFor === undefined) return task;
    let context;
    try {
      context = await this.deps.contextFor(task.storyId, task.role);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      throw new FleetError('FAILED_PRECONDITION', `the context of story ${task.storyId} for ${task.role} cannot be built: ${why}`, {
        field: 'story_id',
        cause: e,
      });
    }
    return context === undefined ? task : { ...task, context };
  }
}

function refuseOtherTask(stored: Task, given: Task): void {
  const differences = taskDifferences(stored, given);
  if (differences.length === 0) return;
  const what = differences.map((d) => `${d.field} (stored ${shorten(d.stored)}, given ${shorten(d.given)})`).join(', ');
  throw new FleetError('ALREADY_EXISTS', `task_id ${given.id} names another task: it differs in ${what}; use a new task id`, {
    field: differences[0]!.field,
  });
}

const shorten = (json: string): string => (json.length > 60 ? `${json.slice(0, 57)}...` : json);
