/** How many turns a worker runs at once: a counting semaphore whose waiters all recheck on release. */
export class TurnSlots {
  private used = 0;
  private waiters: (() => void)[] = [];
  private opened = false;

  constructor(readonly size: number) {}

  get inUse(): number {
    return this.used;
  }

  /** Resolves once a slot is free, without taking it (or at once after `open`). */
  async whenFree(): Promise<void> {
    while (this.used >= this.size && !this.opened) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  async acquire(): Promise<void> {
    // Checked and taken in one go: waiters woken together must not all see the same free slot.
    while (this.used >= this.size && !this.opened) await new Promise<void>((resolve) => this.waiters.push(resolve));
    this.used++;
  }

  release(): void {
    this.used--;
    this.wake();
  }

  /** Lets every waiter through (stopping): they check for themselves whether to go on. */
  open(): void {
    this.opened = true;
    this.wake();
  }

  private wake(): void {
    for (const resolve of this.waiters.splice(0)) resolve();
  }
}
