import { type Consumer, type ConsumerMessages, DeliverPolicy, jetstream, type OrderedConsumerOptions } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { FleetError } from '../../domain/errors.js';
import { type FleetEvent, parseEvent } from './fleet-event.js';
import { STREAM, type StreamName } from './streams.js';

/** planning.>, orchestration.>, context.> and agent.> (requests and responses are two streams). */
export const FEED_STREAMS: readonly StreamName[] = [
  STREAM.PLANNING_EVENTS,
  STREAM.ORCHESTRATOR_EVENTS,
  STREAM.CONTEXT,
  STREAM.AGENT_REQUESTS,
  STREAM.AGENT_RESPONSES,
];

export interface FeedEvent {
  readonly stream: StreamName;
  readonly subject: string;
  /** Position in its stream. */
  readonly seq: number;
  /** When the stream stored it. */
  readonly storedAt: Date;
  /** The event read from either form, with the form it came in. */
  readonly event: FleetEvent;
}

export interface InvalidFeedMessage {
  readonly stream: StreamName;
  readonly subject: string;
  readonly seq: number;
  readonly reason: string;
}

export interface MonitoringFeedOptions {
  readonly nc: NatsConnection;
  /** Replay what the streams hold from this time on, then follow. Default: only events from now on. */
  readonly since?: Date;
  readonly streams?: readonly StreamName[];
  /** Messages on these subjects that are not valid events; the feed skips them. */
  readonly onInvalid?: (message: InvalidFeedMessage) => void;
  /** Events held for a slow reader before the streams are paused. Default 256. */
  readonly bufferSize?: number;
}

export interface MonitoringFeed extends AsyncIterable<FeedEvent> {
  close(): Promise<void>;
}

/**
 * A live feed of validated events (flat or in our envelope) from all the fleet's event streams at once:
 * one ordered (ephemeral, unacknowledged) consumer per stream, all reading concurrently into one sequence. Events of one stream
 * come in stream order; events of different streams interleave as they arrive (compare `storedAt` to
 * order a replay across streams). Nothing is acknowledged and nothing is left behind on the server:
 * watching never disturbs the consumers that do the work.
 */
export async function openMonitoringFeed(options: MonitoringFeedOptions): Promise<MonitoringFeed> {
  const js = jetstream(options.nc);
  const queue = new FeedQueue<FeedEvent>(options.bufferSize ?? 256);
  const start: Partial<OrderedConsumerOptions> =
    options.since === undefined ? { deliver_policy: DeliverPolicy.New } : { opt_start_time: options.since.toISOString() };
  const streams = options.streams ?? FEED_STREAMS;

  const opened = await Promise.allSettled(
    streams.map(async (stream) => {
      // A feed whose process died is cleaned up by the server after a minute of inactivity.
      const consumer = await js.consumers.get(stream, { ...start, inactive_threshold: 60_000 });
      return { stream, consumer, messages: await consumer.consume() };
    }),
  );
  const readers = opened.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
  const failed = opened.findIndex((o) => o.status === 'rejected');
  if (failed >= 0) {
    await Promise.all(readers.map((r) => closeReader(r)));
    const reason = (opened[failed] as PromiseRejectedResult).reason as Error;
    throw new FleetError('UNAVAILABLE', `cannot follow stream ${streams[failed]}: ${reason.message}`, { cause: reason });
  }

  const pumps = readers.map(({ stream, messages }) => pump(stream, messages, queue, options.onInvalid));
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      queue.close();
      await Promise.all(readers.map((r) => closeReader(r)));
      await Promise.all(pumps);
    })();
    return closing;
  };
  return {
    close,
    [Symbol.asyncIterator]: () => ({
      next: () => queue.next(),
      return: async () => {
        await close();
        return { done: true, value: undefined };
      },
    }),
  };
}

async function closeReader(reader: { consumer: Consumer; messages: ConsumerMessages }): Promise<void> {
  await reader.messages.close().catch(() => undefined);
  await reader.consumer.delete().catch(() => undefined);
}

async function pump(
  stream: StreamName,
  messages: ConsumerMessages,
  queue: FeedQueue<FeedEvent>,
  onInvalid?: (m: InvalidFeedMessage) => void,
): Promise<void> {
  try {
    for await (const m of messages) {
      let event: FleetEvent;
      try {
        event = parseEvent(m.subject, m.data);
      } catch (e) {
        onInvalid?.({ stream, subject: m.subject, seq: m.seq, reason: (e as Error).message });
        continue;
      }
      if (!(await queue.push({ stream, subject: m.subject, seq: m.seq, storedAt: m.time, event }))) return;
    }
  } catch {
    // The feed is being closed, or the connection is: either way this reader is done.
  }
}

/** A bounded hand-off from several writers to one reader; a full queue makes writers wait. */
class FeedQueue<T> {
  private readonly items: T[] = [];
  private readonly readers: ((result: IteratorResult<T>) => void)[] = [];
  private readonly writers: (() => void)[] = [];
  private closed = false;

  constructor(private readonly capacity: number) {}

  /** False once the queue is closed. */
  async push(item: T): Promise<boolean> {
    while (this.items.length >= this.capacity && !this.closed) await new Promise<void>((resolve) => this.writers.push(resolve));
    if (this.closed) return false;
    const reader = this.readers.shift();
    if (reader !== undefined) reader({ value: item, done: false });
    else this.items.push(item);
    return true;
  }

  next(): Promise<IteratorResult<T>> {
    const item = this.items.shift();
    if (item !== undefined) {
      this.writers.shift()?.();
      return Promise.resolve({ value: item, done: false });
    }
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.readers.push(resolve));
  }

  close(): void {
    this.closed = true;
    for (const reader of this.readers.splice(0)) reader({ value: undefined, done: true });
    for (const writer of this.writers.splice(0)) writer();
  }
}
