import type { Deadline } from '@grpc/grpc-js';
import { FleetError } from '../../domain/errors.js';

/** What the unary and server-streaming calls of grpc-js have in common for cancellation. */
interface CancellableCall {
  readonly cancelled: boolean;
  getDeadline(): Deadline;
  on(event: 'cancelled', listener: () => void): unknown;
  removeListener(event: 'cancelled', listener: () => void): unknown;
}

export interface CallSignal {
  readonly signal: AbortSignal;
  /** Stops listening to the call; after the handler answered, grpc-js reports even a normal end as a cancel. */
  readonly dispose: () => void;
}

// grpc-js ends a call at its deadline with its own timer, then reports it as cancelled; Node timers
// may fire a millisecond early, so a cancel this close to the deadline counts as the deadline.
const DEADLINE_SLACK_MS = 25;

/**
 * The call's deadline and the client's cancel, as the one AbortSignal the core honours. grpc-js
 * reports both as 'cancelled'; the abort reason says which, so the core's error says which.
 */
export function callSignal(call: CancellableCall): CallSignal {
  const controller = new AbortController();
  const deadline = call.getDeadline();
  const deadlineMs = deadline instanceof Date ? deadline.getTime() : deadline;

  const onCancelled = (): void => {
    const reason =
      Date.now() + DEADLINE_SLACK_MS >= deadlineMs
        ? new FleetError('DEADLINE_EXCEEDED', 'deadline exceeded: the call ran past the deadline the client set')
        : new FleetError('CANCELLED', 'cancelled: the client cancelled the call or the server is stopping');
    controller.abort(reason);
  };
  call.on('cancelled', onCancelled);
  if (call.cancelled) onCancelled();

  return { signal: controller.signal, dispose: () => call.removeListener('cancelled', onCancelled) };
}
