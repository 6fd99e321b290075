/** Hands a slot back; calling it again does nothing. */
export type Release = () => void;

interface Waiter {
  readonly grant: (release: Release) => void;
  readonly detach: () => void;
}

/**
 * A counting semaphore, first come first served: `acquire` takes a slot (waiting while all `size` are
 * in use) and a freed slot passes straight to the longest waiter. `Infinity` never waits.
 */
export class Semaphore {
  private active = 0;
  private readonly queue: Waiter[] = [];
  private readonly watchers: (() => void)[] = [];
  private closed = false;

  constructor(readonly size: number) {}

  /** Slots taken now; above `size` only after `close`. */
  get inUse(): number {
    return this.active;
  }

  /** Waits for a slot; rejects with the signal's reason if it aborts first. */
  acquire(signal?: AbortSignal): Promise<Release> {
    if (signal?.aborted === true) return Promise.reject(signal.reason as unknown);
    if (this.active < this.size || this.closed) {
      this.active++;
      return Promise.resolve(this.release());
    }
    return new Promise<Release>((resolve, reject) => {
      const onAbort = (): void => {
        this.queue.splice(this.queue.indexOf(waiter), 1);
        reject(signal!.reason as unknown);
      };
      const waiter: Waiter = { grant: resolve, detach: () => signal?.removeEventListener('abort', onAbort) };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
    });
  }

  /** Resolves once a slot is free, without taking it (at once after `close`). */
  whenFree(): Promise<void> {
    if (this.active < this.size || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.watchers.push(resolve));
  }

  /**
   * Stops making anyone wait (shutting down): every waiter gets a slot now, later ones at once; each
   * checks for itself whether to go on.
   */
  close(): void {
    this.closed = true;
    for (const waiter of this.queue.splice(0)) {
      this.active++;
      waiter.detach();
      waiter.grant(this.release());
    }
    for (const watcher of this.watchers.splice(0)) watcher();
  }

  private release(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      if (next !== undefined) {
        // The slot passes straight to the next waiter, so `active` is unchanged.
        next.detach();
        next.grant(this.release());
        return;
      }
      this.active--;
      for (const watcher of this.watchers.splice(0)) watcher();
    };
  }
}
