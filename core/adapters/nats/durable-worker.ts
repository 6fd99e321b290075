import { setTimeout as sleep } from 'node:timers/promises';
import {
  AckPolicy,
  type Consumer,
  type ConsumerMessages,
  DeliverPolicy,
  jetstream,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  jetstreamManager,
} from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { type Release, Semaphore } from '../../base/semaphore.js';
import { FleetError } from '../../domain/errors.js';
import { maxPayload } from './connect.js';
import { deadLetterMessage } from './dead-letters.js';
import { heartbeat, settle } from './settle.js';

export interface DurableConsumer {
  /** Its durable name: every worker naming the same consumer shares its messages. */
  readonly name: string;
  readonly filter: string;
}

export interface DurableWorkerOptions {
  readonly nc: NatsConnection;
  /** Says whose consumers these are, in errors: 'agent worker', 'planning consumer'. */
  readonly name: string;
  readonly stream: string;
  readonly consumers: readonly DurableConsumer[];
  /** Messages handled at once, over all the consumers. */
  readonly concurrency: number;
  /** A message neither settled nor kept alive this long goes to another worker. */
  readonly ackWaitMs: number;
  /** Deliveries of one message, crashes included, before the server stops offering it. */
  readonly maxDeliver: number;
  /** Messages out at once over every worker of a consumer; the server's default when not given. */
  readonly maxAckPending?: number;
  /** Delay before delivery n+1 of a message handed back on delivery n (the last repeats). */
  readonly retryDelaysMs: readonly number[];
  /** How long `stop` waits for the messages in hand. */
  readonly stopGraceMs: number;
  /** Settles the message (ack, nak, term), or leaves it to redelivery after ack_wait. */
  readonly handle: (m: JsMsg) => Promise<void>;
  readonly onActivity: (activity: DurableWorkerActivity) => void;
}

export type DurableWorkerActivity =
  | { readonly type: 'dead-lettered'; readonly seq: number; readonly subject: string; readonly reason: string }
  | { readonly type: 'error'; readonly message: string };

// Long enough to be a cheap long poll, short enough that a pull left behind by a stopped worker ends soon.
const PULL_EXPIRES_MS = 10_000;
const PULL_ERROR_PAUSE_MS = 1_000;

/**
 * Takes messages from a stream through durable pull consumers and hands each to `handle`, at most
 * `concurrency` at once. Messages are pulled one at a time and only while a slot is free, so a busy
 * worker leaves the rest to the other workers of its consumers, yet slots fill as fast as messages
 * arrive. A worker that dies loses its messages to another after ack_wait.
 *
 * Built in two steps, `new` then `start`, so that the handler can already use the worker's
 * settlements (`retryLater`, `deadLetter`) when the first message comes.
 */
export class DurableWorker {
  readonly js: JetStreamClient;
  private jsm: JetStreamManager | undefined;
  private readonly slots: Semaphore;
  private readonly handlers = new Set<Promise<void>>();
  private readonly pulls = new Set<ConsumerMessages>();
  private loops: Promise<void>[] = [];
  private stopping = false;
  private stopped: Promise<void> | undefined;

  constructor(private readonly options: DurableWorkerOptions) {
    this.js = jetstream(options.nc);
    this.slots = new Semaphore(options.concurrency);
  }

  /** Creates the consumers, or updates them in place when these settings changed, and starts pulling. */
  async start(): Promise<void> {
    const { consumers, stream } = this.options;
    let pulled: Consumer[];
    try {
      this.jsm = await jetstreamManager(this.options.nc);
      pulled = await Promise.all(consumers.map((c) => this.ensure(c)));
    } catch (e) {
      const names = consumers.map((c) => c.name).join(', ');
      const message = `cannot create the ${this.options.name}'s consumers (${names}) on ${stream}: ${(e as Error).message}`;
      throw new FleetError('UNAVAILABLE', message, { cause: e });
    }
    this.loops = consumers.map((c, i) => this.pull(c, pulled[i]!));
  }

  /** The stream manager, for the handler's lookups. */
  get manager(): JetStreamManager {
    if (this.jsm === undefined) throw new FleetError('FAILED_PRECONDITION', `the ${this.options.name} has not started`);
    return this.jsm;
  }

  /** Hands `m` back for a later delivery, after the delay its delivery count calls for; returns that delay. */
  retryLater(m: JsMsg): number {
    const delays = this.options.retryDelaysMs;
    const delayMs = delays[Math.min(m.info.deliveryCount, delays.length) - 1] ?? 0;
    settle(() => m.nak(delayMs));
    return delayMs;
  }

  /**
   * Copies `m` to DEAD_LETTER with the reason and terminates it, so it is neither lost nor redelivered
   * in a loop; true once done. One that could not be copied is not let go: it comes back for another try.
   */
  async deadLetter(m: JsMsg, reason: { message: string; field?: string | undefined }): Promise<boolean> {
    try {
      await deadLetterMessage(this.js, m, reason, maxPayload(this.options.nc));
    } catch (e) {
      this.retryLater(m);
      this.report({ type: 'error', message: `could not dead-letter ${m.subject} #${m.seq}: ${(e as Error).message}` });
      return false;
    }
    settle(() => m.term());
    this.report({ type: 'dead-lettered', seq: m.seq, subject: m.subject, reason: reason.message });
    return true;
  }

  /** Stops pulling (a message pulled meanwhile goes back at once) and waits up to the grace for those in hand. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.stopping = true;
      this.slots.close();
      await Promise.all([...this.pulls].map((p) => p.close().catch(() => undefined)));
      await Promise.all(this.loops);
      await this.idle(this.options.stopGraceMs);
    })();
    return this.stopped;
  }

  /** Resolves once no message is in hand, or after `ms`. */
  async idle(ms: number): Promise<void> {
    await Promise.race([Promise.allSettled([...this.handlers]), sleep(ms, undefined, { ref: false })]);
  }

  private async ensure(c: DurableConsumer): Promise<Consumer> {
    const { stream, ackWaitMs, maxDeliver, maxAckPending } = this.options;
    await this.manager.consumers.add(stream, {
      durable_name: c.name,
      ack_policy: AckPolicy.Explicit,
      // Messages published while no worker ran are still handled when one starts.
      deliver_policy: DeliverPolicy.All,
      filter_subject: c.filter,
      ack_wait: nanos(ackWaitMs),
      max_deliver: maxDeliver,
      ...(maxAckPending === undefined ? {} : { max_ack_pending: maxAckPending }),
    });
    return this.js.consumers.get(stream, c.name);
  }

  /** Takes the next message of one consumer whenever a slot is free, for as long as the worker runs. */
  private async pull(spec: DurableConsumer, consumer: Consumer): Promise<void> {
    while (!this.stopping) {
      await this.slots.whenFree();
      if (this.stopping) break;
      let m: JsMsg | undefined;
      try {
        m = await this.fetchOne(consumer);
      } catch (e) {
        if (this.stopping) break;
        this.report({ type: 'error', message: `pulling from ${spec.name}: ${(e as Error).message}` });
        await sleep(PULL_ERROR_PAUSE_MS);
        // The server may have lost the consumer (restarted without its state, or removed by hand).
        consumer = await this.ensure(spec).catch(() => consumer);
        continue;
      }
      if (m !== undefined) this.take(m, await this.slotFor(m));
    }
  }

  private async fetchOne(consumer: Consumer): Promise<JsMsg | undefined> {
    const batch = await consumer.fetch({ max_messages: 1, expires: PULL_EXPIRES_MS });
    this.pulls.add(batch);
    // stop() closes the pulls it can see; one that opened after that must not wait out its expiry.
    if (this.stopping) await batch.close().catch(() => undefined);
    let m: JsMsg | undefined;
    try {
      for await (const got of batch) m = got;
    } finally {
      this.pulls.delete(batch);
    }
    return m;
  }

  /** Another consumer may have filled the last slot meanwhile: the message is kept alive until there is room. */
  private async slotFor(m: JsMsg): Promise<Release> {
    using _alive = heartbeat(() => m, this.options.ackWaitMs);
    return await this.slots.acquire();
  }

  private take(m: JsMsg, release: Release): void {
    if (this.stopping) {
      release();
      settle(() => m.nak());
      return;
    }
    const handler: Promise<void> = this.options
      .handle(m)
      .catch((e: unknown) =>
        this.report({ type: 'error', message: `${m.subject} #${m.seq}: ${e instanceof Error ? e.message : String(e)}` }),
      )
      .finally(() => {
        release();
        this.handlers.delete(handler);
      });
    this.handlers.add(handler);
  }

  private report(activity: DurableWorkerActivity): void {
    this.options.onActivity(activity);
  }
}
