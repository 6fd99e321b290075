import type { NatsConnection } from '@nats-io/transport-node';
import pRetry from 'p-retry';

export interface Retries {
  /** Tries in all, the first included. */
  readonly attempts: number;
  /** The wait after the first failure; each later wait is `factor` times the one before, at most `maxDelayMs`. */
  readonly firstDelayMs: number;
  readonly factor: number;
  readonly maxDelayMs?: number;
  /** Whether the caller stopped waiting, so that a further try is no use. */
  readonly abandoned?: () => boolean;
  /** Whether this failure would only repeat (the store is full): then it is thrown at once. */
  readonly final?: (error: unknown) => boolean;
}

/**
 * Runs `attempt` (a publish waiting for the stream, typically) again after a failure, for as long as
 * the connection is open; a closed one would only fail the same way. The last failure is thrown.
 */
export function retryWhileConnected<T>(nc: NatsConnection, attempt: () => Promise<T>, retries: Retries): Promise<T> {
  return pRetry(attempt, {
    retries: Math.max(0, retries.attempts - 1),
    minTimeout: retries.firstDelayMs,
    factor: retries.factor,
    ...(retries.maxDelayMs === undefined ? {} : { maxTimeout: retries.maxDelayMs }),
    shouldRetry: ({ error }) => !nc.isClosed() && retries.abandoned?.() !== true && retries.final?.(error) !== true,
  });
}
