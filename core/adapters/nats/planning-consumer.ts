import type { JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { FleetError } from '../../domain/errors.js';
import { planTaskId } from '../../domain/planning.js';
import { checkDescription, checkTaskId } from '../../domain/validation.js';
import type { DeliberateCommand } from '../../ports/deliberation-service.js';
import { DurableWorker, type DurableWorkerActivity } from './durable-worker.js';
import { MAX_EVENT_BYTES } from './event-json.js';
import { EVENT_TYPE, type PlanApprovedPayload } from './event-payloads.js';
import { type EventForm, fieldPath, type FleetEvent, isEventOf, parseEvent } from './fleet-event.js';
import { heartbeat, settle } from './settle.js';
import { STREAM } from './streams.js';

/**
 * `DeliberationService.deliberate`, or anything with its contract: a task id already COMPLETED returns the
 * stored result, one that failed (timed out, was cancelled) runs again as its next attempt.
 */
export type Deliberate = (command: DeliberateCommand) => Promise<unknown>;

export interface PlanningConsumerOptions {
  readonly nc: NatsConnection;
  readonly deliberate: Deliberate;
  /** Why each attempt of a task's deliberation so far did not complete, oldest first: for the dead letter. */
  readonly attemptReasons?: (taskId: string) => Promise<readonly string[]>;
  /** Shared by every daemon on one NATS, so they split the events between them. Default 'fleet-planning'. */
  readonly durableName?: string;
  /** Events handled at once by this consumer. Default 4. */
  readonly concurrency?: number;
  /** Redelivery if neither acked nor kept alive this long. Default 30000. */
  readonly ackWaitMs?: number;
  /** Deliveries of one event before it is dead-lettered. Default 5. */
  readonly maxDeliver?: number;
  /** Delay before delivery n+1 after a failure on delivery n (the last repeats). */
  readonly retryDelaysMs?: readonly number[];
  readonly maxEventBytes?: number;
  /** How long `stop` waits for events in hand. Default 5000. */
  readonly stopGraceMs?: number;
  readonly onActivity?: (activity: PlanningActivity) => void;
}

export type PlanningActivity =
  | {
      readonly type: 'handled';
      readonly seq: number;
      readonly form: EventForm;
      readonly eventId: string;
      readonly planId: string;
      readonly storyId: string;
      readonly taskIds: readonly string[];
    }
  | { readonly type: 'ignored'; readonly seq: number; readonly subject: string; readonly reason: string }
  | {
      readonly type: 'retrying';
      readonly seq: number;
      readonly delivery: number;
      readonly delayMs: number;
      readonly reason: string;
      /** What the event waits for and when it comes back: "waiting for a DEV council: retry 2 of 4 in 30 s". */
      readonly schedule: string;
    }
  | DurableWorkerActivity;

export interface PlanningConsumer {
  /** Stops taking events and waits (up to the grace) for those in hand. */
  stop(): Promise<void>;
}

export const DEFAULT_PLANNING_CONSUMER = 'fleet-planning';
const DEFAULT_RETRY_DELAYS_MS = [5_000, 30_000, 120_000, 300_000];
/**
 * The consumer's max_ack_pending, over every daemon sharing it. A failed event waits for its retry as
 * a NAK with a delay: JetStream keeps it, with its delivery count and max_deliver, and offers it again
 * when the delay is up (a retry stream would need republishing, a second consumer and the count carried
 * by hand). While it waits it holds no slot of ours, but it does count as pending on the server: with
 * max_ack_pending at the concurrency, four waiting retries stopped every other event for minutes. So
 * the server's limit is far above what is handled at once; the slots (pulls only while one is free)
 * keep any daemon from taking more than it handles.
 */
const MAX_ACK_PENDING = 1_000;

/** The deliberation a plan's role gets: the same for every delivery of the plan, so a redelivery never starts a second one. */

/**
 * Turns `planning.plan.approved` events into deliberations, one per role, through a durable pull
 * consumer on PLANNING_EVENTS. Events come flat, as the cluster's planning service publishes them, or
 * in our envelope; other planning events (a story's transitions) are checked and acknowledged.
 *
 * An event is acknowledged when every role's deliberation has finished, not when it started: the
 * handler's promise is the only signal there is, and acking early would lose the event if the process
 * died before the deliberation was even recorded. Long deliberations keep the message alive with
 * working(); a failed one is redelivered with a growing delay, at most `maxDeliver` times, and the
 * task ids make each redelivery pick up the stored results of the roles already done and run those
 * that failed (or were cut short by a crash) again as their next attempt. A waiting retry holds no
 * slot, so other events go ahead of it.
 *
 * An event that cannot be handled (not JSON, a field missing or of the wrong type, too large, refused
 * by the service as invalid, or failing on its last delivery) is copied to DEAD_LETTER with the reason
 * and its original bytes, then terminated, so it is neither lost nor redelivered in a loop.
 */
export async function startPlanningConsumer(options: PlanningConsumerOptions): Promise<PlanningConsumer> {
  const concurrency = options.concurrency ?? 4;
  const ackWaitMs = options.ackWaitMs ?? 30_000;
  const maxDeliver = options.maxDeliver ?? 5;
  const report = (activity: PlanningActivity): void => options.onActivity?.(activity);
  const worker = new DurableWorker({
    nc: options.nc,
    name: 'planning consumer',
    stream: STREAM.PLANNING_EVENTS,
    consumers: [{ name: options.durableName ?? DEFAULT_PLANNING_CONSUMER, filter: 'planning.>' }],
    concurrency,
    maxAckPending: Math.max(MAX_ACK_PENDING, concurrency),
    ackWaitMs,
    maxDeliver,
    retryDelaysMs: options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS,
    stopGraceMs: options.stopGraceMs ?? 5_000,
    handle,
    onActivity: report,
  });

  const ignore = (m: JsMsg, reason: string): void => {
    settle(() => m.ack());
    report({ type: 'ignored', seq: m.seq, subject: m.subject, reason });
  };

  async function handle(m: JsMsg): Promise<void> {
    let commands: DeliberateCommand[];
    let plan: FleetEvent<PlanApprovedPayload>;
    try {
      // Every planning event is validated, so a malformed one is dead-lettered even when nothing here acts on it.
      const event = parseEvent(m.subject, m.data, options.maxEventBytes ?? MAX_EVENT_BYTES);
      if (!isEventOf(event, EVENT_TYPE.PLAN_APPROVED)) return ignore(m, `${event.type} starts no deliberation`);
      plan = event;
      commands = planCommands(plan);
      if (commands.length === 0) return ignore(m, `plan ${plan.fields.plan_id} names no roles to deliberate`);
    } catch (e) {
      await worker.deadLetter(m, e instanceof FleetError ? e : new FleetError('INVALID_ARGUMENT', String(e)));
      return;
    }

    let outcomes: PromiseSettledResult<unknown>[];
    {
      using _alive = heartbeat(() => m, ackWaitMs);
      outcomes = await Promise.allSettled(commands.map(async (command) => options.deliberate(command)));
    }
    const failures = commands.flatMap((command, i) => {
      const outcome = outcomes[i];
      return outcome?.status === 'rejected' ? [{ command, error: outcome.reason as unknown }] : [];
    });
    if (failures.length === 0) {
      await m.ackAck().catch(() => undefined);
      report({
        type: 'handled',
        seq: m.seq,
        form: plan.form,
        eventId: plan.eventId,
        planId: plan.fields.plan_id,
        storyId: plan.fields.story_id,
        taskIds: commands.map((c) => c.taskId!),
      });
      return;
    }
    const reason = failures.map((f) => `role ${f.command.role} (task ${f.command.taskId}): ${describe(f.error)}`).join('; ');
    const delivery = m.info.deliveryCount;
    if (failures.some((f) => isPermanent(f.error))) {
      await worker.deadLetter(m, { message: `refused: ${reason}` });
      return;
    }
    if (delivery >= maxDeliver) {
      // Every attempt's reason, as the deliberation's record keeps them: the last delivery's alone would hide the others.
      const history = await Promise.all(
        failures.map(async ({ command, error }) => {
          const reasons = (await options.attemptReasons?.(command.taskId!)) ?? [];
          return `role ${command.role} (task ${command.taskId}): ${reasons.length > 0 ? reasons.join('; ') : describe(error)}`;
        }),
      );
      await worker.deadLetter(m, { message: `gave up after ${delivery} deliveries: ${history.join('; ')}` });
      return;
    }
    const delayMs = worker.retryLater(m);
    const schedule = `${waitingFor(failures)}retry ${delivery} of ${maxDeliver - 1} in ${inWords(delayMs)}`;
    report({ type: 'retrying', seq: m.seq, delivery, delayMs, reason, schedule });
  }

  await worker.start();
  return { stop: () => worker.stop() };
}

/** One deliberation per role (each role once), checked as the service will check them. */
function planCommands(event: FleetEvent<PlanApprovedPayload>): DeliberateCommand[] {
  const plan = event.fields;
  const roles = [...new Set(plan.roles)];
  if (roles.length === 0) return [];
  const text = [plan.title, plan.description].filter((s): s is string => s !== undefined && s.trim() !== '').join('\n\n');
  const description = checkDescription(
    text === '' ? `Plan ${plan.plan_id} for story ${plan.story_id}` : text,
    fieldPath(event, 'description'),
  );
  return roles.map((role) => ({
    taskId: checkTaskId(planTaskId(plan.plan_id, role), fieldPath(event, 'plan_id')),
    role,
    description,
    storyId: plan.story_id,
    planId: plan.plan_id,
  }));
}

/** Errors a redelivery cannot fix: a task id reused for another task (ALREADY_EXISTS) among them. */
const isPermanent = (e: unknown): boolean =>
  e instanceof FleetError && (e.code === 'INVALID_ARGUMENT' || e.code === 'NOT_FOUND' || e.code === 'ALREADY_EXISTS');

/**
 * A role without a council is a precondition someone can resolve (CreateCouncil) before the next
 * delivery: the schedule says what the event waits for.
 */
function waitingFor(failures: readonly { command: DeliberateCommand; error: unknown }[]): string {
  const roles = failures.filter((f) => f.error instanceof FleetError && f.error.code === 'FAILED_PRECONDITION' && f.error.field === 'role');
  return roles.length === 0 ? '' : `waiting for ${roles.map((f) => `a ${f.command.role} council`).join(' and ')}: `;
}

const inWords = (ms: number): string => (ms < 1_000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`);

const describe = (e: unknown): string => (e instanceof FleetError ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(e));
