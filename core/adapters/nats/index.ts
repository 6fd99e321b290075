// The NATS adapter's public entry: what the composition root needs. Tests may reach further in.
export { startAgentWorker } from './agent-turns/agent-worker.js';
export { createNatsAgentTurns } from './agent-turns/nats-agent-turns.js';
export { checkJetStream, closeNats, connectNats, withNatsConnection } from './connect.js';
export { type DeadLetter, listDeadLetters, republishDeadLetter, type RepublishResult } from './dead-letters.js';
export { type FeedEvent, type InvalidFeedMessage, openMonitoringFeed } from './monitoring-feed.js';
export { NatsEventBus } from './nats-event-bus.js';
export { startPlanningConsumer } from './planning-consumer.js';
export { NatsServerSupervisor } from './server/nats-server-supervisor.js';
export { CLUSTER_STREAM_LIMITS, type StreamLimits, workstationStreamLimits } from './streams.js';
// The composition root only hands a connection back to this adapter's functions; it never calls it.
export type { NatsConnection } from '@nats-io/transport-node';
export { createEventMonitor } from './event-monitor.js';
export { natsPlanningEvents } from './planning-events.js';
export { type ContextUpdate, followContextUpdates } from './context-updates.js';
