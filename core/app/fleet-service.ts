import { makeAgents } from '../domain/council.js';
import { type Deliberation, interrupted, isRetryable, isTerminal, transition } from '../domain/deliberation.js';
import { FleetError, notFound } from '../domain/errors.js';
import { searchHistory } from '../domain/history.js';
import type { Role } from '../domain/role.js';
import { type Task, taskDifferences } from '../domain/task.js';
import type { AgentTurns } from '../ports/agent-turns.js';
import type { Clock } from '../ports/clock.js';
import type { CouncilStore } from '../ports/council-store.js';
import type { DeliberationStore } from '../ports/deliberation-store.js';
import type { EventBus } from '../ports/event-bus.js';
import type { RunOwners } from '../ports/run-owners.js';
import type {
  DeliberateCommand,
  FleetService,
  OrchestrateCommand,
  RunOptions,
  ServiceMetrics,
  ServiceStatus,
} from '../ports/fleet-service.js';
import { Councils } from './councils.js';
import { agentsFor, buildTask, DeliberationRun } from './deliberate.js';
import { DeliberationEvents } from './deliberation-events.js';
import { computeMetrics, type RunningDeliberation } from './metrics.js';

export interface FleetServiceDeps {
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

export interface StartupReport {
  readonly councilsCreated: number;
  /** Task ids of the deliberations marked FAILED because their process was gone. */
  readonly interrupted: readonly string[];
}

export interface FleetCore extends FleetService {
  /**
   * Startup: creates the five default councils where missing and fails the deliberations whose
   * process is gone (a crash or kill left them running); those of live processes are left alone.
   */
  start(): StartupReport;
  /** Whether the service takes requests (false until started and while shutting down). */
  setServing(serving: boolean): void;
  /** Deliberations running now, to wait for or cancel at shutdown. */
  running(): number;
  /**
   * The store cannot be written (its disk is full): until this is called again with undefined, new
   * deliberations are refused with `reason`, those running end FAILED with it, and status() says
   * NOT_SERVING. On recovery, those whose last save failed are saved FAILED at last.
   */
  setStoreFailure(reason: FleetError | undefined): void;
}

export function createFleetService(deps: FleetServiceDeps): FleetCore {
  const events = new DeliberationEvents();
  const owners = deps.owners ?? LONE_PROCESS;
  const councils = new Councils(deps.councils, deps.clock, () => deps.modelName);
  const running = new Map<string, { readonly promise: Promise<Deliberation>; readonly task: Task; readonly info: RunningDeliberation }>();
  const startedAtMs = deps.clock.now();
  let serving = false;
  /** Why the store cannot be written now, while it cannot. */
  let storeFailure: FleetError | undefined;
  /** Ends a running deliberation early, with the store's failure. */
  const halts = new Map<string, AbortController>();
  async function run(command: OrchestrateCommand, options: RunOptions, architect: boolean): Promise<Deliberation> {
    if (!serving) throw new FleetError('UNAVAILABLE', 'the service is not serving (starting up or shutting down)');
    if (storeFailure !== undefined) throw storeFailure;
    const taskId = command.taskId ?? deps.clock.newId();
    const task = await withContext(buildTask(command, taskId));
    // A task id names one task: asked again with the same parameters, it is the same deliberation
    // (the run in flight, or the stored result once COMPLETED); one that failed, timed out or was
    // cancelled runs again as its next attempt. Other parameters under the same id are refused.
    const inFlight = running.get(taskId);
    if (inFlight !== undefined) {
      refuseOtherTask(inFlight.task, task);
      return inFlight.promise;
    }
    const existing = deps.deliberations.get(taskId);
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
    const council = deps.councils.list(command.role)[0];
    if (council === undefined) {
      throw new FleetError('FAILED_PRECONDITION', `no council for role ${command.role}: create one first (CreateCouncil)`, {
        field: 'role',
      });
    }
    deps.checkFits?.(task);
    const chooser =
      architect && command.architectSelection !== false
        ? (deps.councils.list('ARCHITECT')[0]?.agents[0] ?? makeAgents('ARCHITECT', 1)[0]!)
        : undefined;
    const peerReview = command.peerReview ?? council.peerReview;
    const halt = new AbortController();
    const deliberation = new DeliberationRun(
      { deliberations: deps.deliberations, turns: deps.turns, clock: deps.clock, events, modelName: deps.modelName, owner: owners.self },
      council,
      task,
      agentsFor(council, command.numAgents),
      peerReview ? (command.rounds ?? council.rounds) : 0,
      {
        ...options,
        signal: options.signal === undefined ? halt.signal : AbortSignal.any([options.signal, halt.signal]),
        onEvent: (e) => {
          void deps.eventBus?.publish(e);
          options.onEvent?.(e);
        },
        ...(chooser === undefined ? {} : { architect: chooser }),
        ...(command.topK === undefined ? {} : { topK: command.topK }),
        ...(existing === undefined ? {} : { retryOf: existing }),
      },
    );
    const promise = deliberation.run().finally(() => {
      running.delete(taskId);
      halts.delete(taskId);
    });
    halts.set(taskId, halt);
    running.set(taskId, {
      promise,
      task,
      info: { councilId: council.id, role: council.role, agents: deliberation.deliberation.agents.length },
    });
    return promise;
  }

  /** A story's deliberation never runs without its context: one that cannot be built refuses the run. */
  async function withContext(task: Task): Promise<Task> {
    if (task.storyId === undefined || deps.contextFor === undefined) return task;
    let context;
    try {
      context = await deps.contextFor(task.storyId, task.role);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      throw new FleetError('FAILED_PRECONDITION', `the context of story ${task.storyId} for ${task.role} cannot be built: ${why}`, {
        field: 'story_id',
        cause: e,
      });
    }
    return context === undefined ? task : { ...task, context };
  }

  function refuseOtherTask(stored: Task, given: Task): void {
    const differences = taskDifferences(stored, given);
    if (differences.length === 0) return;
    const what = differences.map((d) => `${d.field} (stored ${shorten(d.stored)}, given ${shorten(d.given)})`).join(', ');
    throw new FleetError('ALREADY_EXISTS', `task_id ${given.id} names another task: it differs in ${what}; use a new task id`, {
      field: differences[0]!.field,
    });
  }

  return {
    start() {
      const created = councils.ensureDefaults();
      const lost = deps.deliberations.unfinished().filter((d) => d.owner === undefined || !owners.isAlive(d.owner));
      for (const d of lost) deps.deliberations.save(interrupted(d, deps.clock.now()));
      return { councilsCreated: created.length, interrupted: lost.map((d) => d.taskId) };
    },
    setServing(value) {
      serving = value;
    },
    running: () => running.size,
    setStoreFailure(reason) {
      const ended = storeFailure;
      storeFailure = reason;
      if (reason !== undefined) {
        for (const halt of halts.values()) halt.abort(reason);
        return;
      }
      if (ended === undefined) return;
      // Ended while nothing could be written: the record still says where it was when the disk filled.
      const stranded = deps.deliberations.unfinished().filter((d) => d.owner === owners.self && !running.has(d.taskId));
      for (const d of stranded) deps.deliberations.save(transition(d, 'FAILED', deps.clock.now(), ended.message));
    },

    deliberate: (command: DeliberateCommand, options: RunOptions = {}) => run(command, options, false),
    orchestrate: (command: OrchestrateCommand, options: RunOptions = {}) => run(command, options, true),

    getDeliberation(taskId) {
      const d = deps.deliberations.get(taskId);
      if (d === undefined) throw notFound('deliberation', taskId);
      return d;
    },

    watch(taskId, listener) {
      if (running.has(taskId)) return events.subscribe(taskId, listener);
      const d = deps.deliberations.get(taskId);
      if (d === undefined) throw notFound('deliberation', taskId);
      if (!isTerminal(d.status)) {
        throw new FleetError('FAILED_PRECONDITION', `deliberation ${taskId} runs in another process: poll its result instead`, {
          field: 'task_id',
        });
      }
      // Already over: the watcher gets the outcome straight away (after it holds its unsubscribe).
      let live = true;
      queueMicrotask(() => {
        if (live) listener({ type: 'finished', taskId, atMs: deps.clock.now(), deliberation: d });
      });
      return () => {
        live = false;
      };
    },

    cancel(taskId) {
      const halt = halts.get(taskId);
      const d = deps.deliberations.get(taskId);
      if (d === undefined) throw notFound('deliberation', taskId);
      if (halt === undefined) return { cancelled: false, deliberation: d };
      halt.abort(new FleetError('CANCELLED', 'stopped by the user'));
      return { cancelled: true, deliberation: d };
    },

    history: (query) => searchHistory(deps.deliberations.list(), query, deps.clock.now()),

    createCouncil: (command) => councils.create(command),
    listCouncils: (role?: Role) => deps.councils.list(role),
    deleteCouncil: (id) => councils.delete(id),
    registerAgent: (councilId, agentId) => councils.registerAgent(councilId, agentId),
    unregisterAgent: (councilId, agentId) => councils.unregisterAgent(councilId, agentId),

    status(): ServiceStatus {
      return {
        status: serving && storeFailure === undefined ? 'SERVING' : 'NOT_SERVING',
        uptimeSeconds: Math.floor((deps.clock.now() - startedAtMs) / 1000),
        model: deps.modelName,
        councils: deps.councils.list().length,
        running: running.size,
        busyCouncils: new Set([...running.values()].map((r) => r.info.councilId)),
      };
    },

    metrics(options = {}): ServiceMetrics {
      return computeMetrics({
        outcomes: deps.deliberations.outcomes(options),
        turns: deps.deliberations.turnTotals(options),
        councils: deps.councils.list(),
        running: [...running.values()].map((r) => r.info),
      });
    },
  };
}

const shorten = (json: string): string => (json.length > 60 ? `${json.slice(0, 57)}...` : json);
