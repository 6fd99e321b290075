import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { FleetError } from '../../domain/errors.js';
import type { PlanningEvents } from '../../ports/planning-events.js';
import { retryWhileConnected } from './retry.js';

/**
 * Planning events on NATS, flat as the cluster publishes them (`planning.>` in PLANNING_EVENTS), each
 * waiting for the stream's acknowledgement; a retry goes under the same message id, which the stream
 * stores once.
 */
export function natsPlanningEvents(nc: NatsConnection, options: { readonly ackTimeoutMs?: number } = {}): PlanningEvents {
  const js = jetstream(nc);
  return {
    async publish(type, fields, key) {
      const msgID = `${type}:${key}`;
      const data = new TextEncoder().encode(JSON.stringify(fields));
      try {
        await retryWhileConnected(nc, () => js.publish(type, data, { msgID, timeout: options.ackTimeoutMs ?? 5_000 }), {
          attempts: 3,
          firstDelayMs: 200,
          factor: 5,
          maxDelayMs: 3_000,
        });
      } catch (e) {
        throw new FleetError('UNAVAILABLE', `could not publish ${type} (${msgID}): ${e instanceof Error ? e.message : String(e)}`, {
          cause: e,
        });
      }
    },
  };
}
