import { type JetStreamClient, jetstream } from '@nats-io/jetstream';
import { headers, type NatsConnection } from '@nats-io/transport-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { FleetError } from '../../domain/errors.js';
import type { DeliberationEvent } from '../../domain/events.js';
import type { EventBus } from '../../ports/event-bus.js';
import { toEventMessage } from './deliberation-event-messages.js';
import { encodeFlatEvent } from './fleet-event.js';

export interface NatsEventBusOptions {
  /** How long one publish waits for the stream's acknowledgement. Default 5000. */
  readonly ackTimeoutMs?: number;
  /** Publishes of a durable event before giving up. Default 3. */
  readonly attempts?: number;
  /** A progress event that could not even be queued (the connection is closed); for the log. */
  readonly onDropped?: (event: DeliberationEvent, error: unknown) => void;
}

const RETRY_DELAYS_MS = [200, 1_000, 3_000];

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
    const attempts = this.options.attempts ?? 3;
    let last: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        await this.js.publish(message.subject, data, { msgID, timeout: this.options.ackTimeoutMs ?? 5_000 });
        return;
      } catch (e) {
        last = e;
        if (this.nc.isClosed() || attempt === attempts) break;
        await sleep(RETRY_DELAYS_MS[attempt - 1] ?? 3_000);
      }
    }
    throw new FleetError(
      'UNAVAILABLE',
      `could not publish ${message.subject} (${msgID}): ${last instanceof Error ? last.message : String(last)}`,
      {
        cause: last,
      },
    );
  }
}
