import type { DeliberationEvent } from '../domain/events.js';

type Listener = (event: DeliberationEvent) => void;

/** In-process fan-out of live deliberation events to watchers (StreamDeliberation, UI, CLI). */
export class DeliberationEvents {
  private readonly listeners = new Map<string, Set<Listener>>();

  subscribe(taskId: string, listener: Listener): () => void {
    let set = this.listeners.get(taskId);
    if (set === undefined) this.listeners.set(taskId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(taskId);
    };
  }

  publish(event: DeliberationEvent): void {
    for (const listener of [...(this.listeners.get(event.taskId) ?? [])]) {
      // A watcher that throws (a closed stream) must not break the deliberation or other watchers.
      try {
        listener(event);
      } catch {
        /* the watcher's own problem */
      }
    }
  }
}
