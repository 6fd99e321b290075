/** Callbacks waiting for something to happen to a request id, each called at most once. */
export class WaitersByRequest<T> {
  private readonly waiting = new Map<string, Set<(value: T) => void>>();

  get size(): number {
    return this.waiting.size;
  }

  ids(): string[] {
    return [...this.waiting.keys()];
  }

  /** Registers `callback` for `requestId`; the returned function stops waiting. */
  add(requestId: string, callback: (value: T) => void): () => void {
    let set = this.waiting.get(requestId);
    if (set === undefined) this.waiting.set(requestId, (set = new Set()));
    set.add(callback);
    return () => {
      set.delete(callback);
      if (set.size === 0 && this.waiting.get(requestId) === set) this.waiting.delete(requestId);
    };
  }

  /** Calls and forgets everything waiting on `requestId`. */
  settle(requestId: string, value: T): void {
    const set = this.waiting.get(requestId);
    if (set === undefined) return;
    this.waiting.delete(requestId);
    for (const callback of set) callback(value);
  }

  clear(): void {
    this.waiting.clear();
  }
}
