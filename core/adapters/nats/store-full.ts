import { JetStreamApiError } from '@nats-io/jetstream';
import { FleetError } from '../../domain/errors.js';

// The server's answers to a publish its store has no room for: its own limits, the account's, or a
// write the disk refused ("no space left on device").
const INSUFFICIENT_RESOURCES = 10023;
const STORAGE_RESOURCES_EXCEEDED = 10047;
const ACCOUNT_RESOURCES_EXCEEDED = 10002;
const STREAM_STORE_FAILED = 10077;

/** Whether JetStream refused a write for want of room: trying again soon would only be refused again. */
export function isStoreFull(e: unknown): boolean {
  if (!(e instanceof JetStreamApiError)) return false;
  if ([INSUFFICIENT_RESOURCES, STORAGE_RESOURCES_EXCEEDED, ACCOUNT_RESOURCES_EXCEEDED].includes(e.code)) return true;
  return e.code === STREAM_STORE_FAILED && /no space left/i.test(e.message);
}

/** RESOURCE_EXHAUSTED "disk full: ..." naming what could not be stored and what the server said. */
export const storeFullError = (what: string, e: unknown): FleetError =>
  new FleetError(
    'RESOURCE_EXHAUSTED',
    `disk full: the NATS server's JetStream store has no room for ${what} (${e instanceof Error ? e.message : String(e)})`,
    { cause: e },
  );
