import type { DeliberationEvent } from '../domain/events.js';

/**
 * Where the core announces what happens, for other services and the monitoring feed (NATS
 * `orchestration.>` / `agent.>` subjects). Publishing is best effort for progress events and must
 * not slow a deliberation down; terminal events are published durably.
 */
export interface EventBus {
  publish(event: DeliberationEvent): Promise<void>;
}
