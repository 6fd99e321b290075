import { type JetStreamManager, jetstreamManager, type StoredMsg } from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { z } from 'zod';
import { FleetError } from '../../../domain/errors.js';
import type { Log } from '../../../ports/log.js';
import { STREAM } from '../streams.js';
import { requestIdsIn } from './turn-messages.js';
import { REQUEST_ID, TURN_SUBJECT } from './turn-subjects.js';
import { WaitersByRequest } from './waiters-by-request.js';

/** A request the server stopped offering to the workers: every delivery went unanswered. */
export interface ExhaustedRequest {
  readonly requestId: string;
  /** The worker consumer that gave up on it. */
  readonly consumer: string;
  readonly deliveries: number;
  readonly seq: number;
}

type OnExhausted = (exhausted: ExhaustedRequest) => void;

// `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.<stream>.<consumer>`: every worker consumer of the
// stream, whatever durable prefix its workers were given.
export const MAX_DELIVERIES_ADVISORY = `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${STREAM.AGENT_REQUESTS}.>`;

const maxDeliverAdvisory = z.object({
  type: z.literal('io.nats.jetstream.advisory.v1.max_deliver'),
  stream: z.literal(STREAM.AGENT_REQUESTS),
  consumer: z.string(),
  stream_seq: z.number().int().positive(),
  deliveries: z.number().int().positive(),
});

/**
 * Tells a waiting turn that its request exhausted a worker consumer's max_deliver (each worker that
 * took it died or stalled), so it fails now instead of at its timeout. The server's advisory names only
 * the stream sequence, so the request is read back from AGENT_REQUESTS (kept by limits, not by acks).
 *
 * The advisory is core NATS: one sent while this process is disconnected is lost, and that turn falls
 * back to its timeout. The client subscribes again after a reconnect. A 2.9 server sends it for a pull
 * consumer at the first pull after the last ack_wait, which the workers' constant long polls provide;
 * with no worker left at all, it comes when one starts.
 */
export class ExhaustedRequests {
  private readonly waiting = new WaitersByRequest<ExhaustedRequest>();
  private jsm: Promise<JetStreamManager> | undefined;
  private readonly subscription: Subscription;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly log: Log,
  ) {
    this.subscription = nc.subscribe(MAX_DELIVERIES_ADVISORY, {
      callback: (err, msg) => {
        if (err !== null) {
          this.log('warn', 'cannot follow max-deliveries advisories; turns whose workers all fail end at their timeout', {
            error: err.message,
          });
          return;
        }
        // Nothing waits here: not worth reading the request back.
        if (this.waiting.size === 0) return;
        void this.handle(msg.data).catch((e: unknown) =>
          this.log('debug', 'max-deliveries advisory not handled', { subject: msg.subject, error: (e as Error).message }),
        );
      },
    });
  }

  static start(nc: NatsConnection, log: Log): ExhaustedRequests {
    try {
      return new ExhaustedRequests(nc, log);
    } catch (e) {
      throw new FleetError(
        'UNAVAILABLE',
        `cannot follow the max-deliveries advisories of ${STREAM.AGENT_REQUESTS}: ${(e as Error).message}`,
        { cause: e },
      );
    }
  }

  /** Calls `onExhausted` if the request `requestId` runs out of deliveries; the returned function stops waiting. */
  expect(requestId: string, onExhausted: OnExhausted): () => void {
    return this.waiting.add(requestId, onExhausted);
  }

  stop(): void {
    try {
      this.subscription.unsubscribe();
    } catch {
      // The connection is closed: the subscription went with it.
    }
    this.waiting.clear();
  }

  private async handle(data: Uint8Array): Promise<void> {
    let advisory: z.infer<typeof maxDeliverAdvisory>;
    try {
      advisory = maxDeliverAdvisory.parse(JSON.parse(new TextDecoder().decode(data)));
    } catch (e) {
      this.log('debug', 'unreadable max-deliveries advisory ignored', {
        error: e instanceof z.ZodError ? z.prettifyError(e) : (e as Error).message,
      });
      return;
    }
    const seq = advisory.stream_seq;
    const stored = await (await this.manager()).streams.getMessage(STREAM.AGENT_REQUESTS, { seq }).catch((e: unknown) => e as Error);
    const requestId = stored === null || stored instanceof Error ? undefined : requestIdOfStored(stored);
    if (requestId === undefined) {
      const why =
        stored === null ? 'no longer stored' : stored instanceof Error ? stored.message : `not a turn request (${stored.subject})`;
      this.log('debug', 'max-deliveries advisory for a request that cannot be read, ignored', {
        stream: STREAM.AGENT_REQUESTS,
        seq,
        consumer: advisory.consumer,
        why,
      });
      return;
    }
    this.waiting.settle(requestId, { requestId, consumer: advisory.consumer, deliveries: advisory.deliveries, seq });
  }

  private manager(): Promise<JetStreamManager> {
    this.jsm ??= jetstreamManager(this.nc).catch((e: unknown) => {
      this.jsm = undefined;
      throw e;
    });
    return this.jsm;
  }
}

/** The request id is the publish's Nats-Msg-Id; the envelope's event_id says the same should the header be gone. */
function requestIdOfStored(stored: StoredMsg): string | undefined {
  if (!stored.subject.startsWith(TURN_SUBJECT.requestPrefix)) return undefined;
  const header = stored.header.get('Nats-Msg-Id');
  if (REQUEST_ID.test(header)) return header;
  return requestIdsIn(stored.data)?.requestId;
}
