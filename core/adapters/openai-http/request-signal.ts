import { FleetError } from '../../domain/errors.js';

const MAX_TIMER_MS = 2 ** 31 - 1;

export interface RequestSignal {
  readonly signal: AbortSignal;
  readonly abort: (reason: FleetError) => void;
  /** Detaches from the caller's signal and stops the timer; call once the request is over. */
  readonly dispose: () => void;
}

/**
 * One signal for one HTTP exchange: aborted by the caller's signal (with its reason, so a caller's
 * deadline stays a deadline), by the adapter's own request timeout, or by `abort` (client closed).
 * A fresh controller per request keeps a long-lived caller signal from collecting listeners.
 */
export function requestSignal(options: { caller?: AbortSignal; timeoutMs: number; timeoutMessage: string }): RequestSignal {
  const controller = new AbortController();
  const { caller } = options;
  const onCallerAbort = (): void => controller.abort(caller?.reason);
  if (caller?.aborted) onCallerAbort();
  else caller?.addEventListener('abort', onCallerAbort, { once: true });
  // setTimeout fires at once for delays past 2^31-1 ms (~24.8 days); treat those as no timeout.
  const timer =
    options.timeoutMs <= MAX_TIMER_MS
      ? setTimeout(() => controller.abort(new FleetError('DEADLINE_EXCEEDED', options.timeoutMessage)), options.timeoutMs)
      : undefined;
  return {
    signal: controller.signal,
    abort: (reason) => controller.abort(reason),
    dispose: () => {
      clearTimeout(timer);
      caller?.removeEventListener('abort', onCallerAbort);
    },
  };
}
