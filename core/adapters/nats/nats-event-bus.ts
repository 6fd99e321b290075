import { type JetStreamClient, jetstream } from '@nats-io/jetstream';
import { headers, type NatsConnection } from '@nats-io/transport-node';
import { FleetError } from '../../domain/errors.js';
import type { DeliberationEvent } from '../../domain/events.js';
import type { EventBus } from '../../ports/event-bus.js';
import { toEventMessage } from './deliberation-event-messages.js';
import { encodeFlatEvent } from './fleet-event.js';
import { retryWhileConnected } from './retry.js';

export interface NatsEventBusOptions {
  /** How long one publish waits for the stream's acknowledgement. Default 5000. */
  readonly ackTimeoutMs?: number;
  /** Publishes of a durable event before giving up. Default 3. */
  readonly attempts?: number;
  /** A progress event that could not even be queued (the connection is closed); for the log. */
  readonly onDropped?: (event: DeliberationEvent, error: unknown) => void;
}

/**
 * The EventBus on NATS: `orchestration.deliberation.*` and `agent.response.*`. Progress events are
 * published without waiting (they are queued while the connection is down, never slowing the
 * deliberation); lifecycle and per-agent outcomes wait for the stream's acknowledgement and are
 * retried under the same message id, which the stream deduplicates.
 */
export class NatsEventBus implements EventBus {
  private readonly js: JetStreamClient;

  constructor(
    private readonly nc: NatsConnection,
    private readonly options: NatsEventBusOptions = {},
  ) {
    this.js = jetstream(nc);
  }

  /** Throws FleetError UNAVAILABLE when a durable event could not be stored after the retries. */
  async publish(event: DeliberationEvent): Promise<void> {
    const message = toEventMessage(event);
    const data = encodeFlatEvent(message.event);
    const msgID = message.event.event_id;
    if (!message.durable) {
      try {
        const h = headers();
        h.set('Nats-Msg-Id', msgID);
        this.nc.publish(message.subject, data, { headers: h });
      } catch (e) {
        this.options.onDropped?.(event, e);
      }
      return;
    }
    try {
      // Waits 200 ms, 1 s, then 3 s between tries.
      await retryWhileConnected(
        this.nc,
        () => this.js.publish(message.subject, data, { msgID, timeout: this.options.ackTimeoutMs ?? 5_000 }),
        {
          attempts: this.options.attempts ?? 3,
          firstDelayMs: 200,
          factor: 5,
          maxDelayMs: 3_000,
        },
      );
    } catch (e) {
      throw new FleetError(
        'UNAVAILABLE',
        `could not publish ${message.subject} (${msgID}): ${e instanceof Error ? e.message : String(e)}`,
        {
          cause: e,
        },
      );
    }
  }
}
