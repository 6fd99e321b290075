import { abortError } from '../../domain/errors.js';

export type Release = () => void;

export interface ConcurrencyLimit {
  /** Waits for a free slot; rejects with CANCELLED / DEADLINE_EXCEEDED if `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<Release>;
}

interface Waiter {
  readonly grant: (release: Release) => void;
  readonly detach: () => void;
}

/** First come, first served slots; `Infinity` never waits. */
export function concurrencyLimit(max: number): ConcurrencyLimit {
  let active = 0;
  const queue: Waiter[] = [];

  function makeRelease(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = queue.shift();
      if (next === undefined) {
        active--;
        return;
      }
      // The slot passes straight to the next waiter, so `active` is unchanged.
      next.detach();
      next.grant(makeRelease());
    };
  }

  return {
    acquire(signal) {
      if (signal?.aborted) return Promise.reject(abortError(signal));
      if (active < max) {
        active++;
        return Promise.resolve(makeRelease());
      }
      return new Promise<Release>((resolve, reject) => {
        const onAbort = (): void => {
          queue.splice(queue.indexOf(waiter), 1);
          reject(abortError(signal!));
        };
        const waiter: Waiter = { grant: resolve, detach: () => signal?.removeEventListener('abort', onAbort) };
        signal?.addEventListener('abort', onAbort, { once: true });
        queue.push(waiter);
      });
    },
  };
}
