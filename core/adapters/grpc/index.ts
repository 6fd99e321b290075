// The gRPC adapter's public entry: what the composition root needs. Tests may reach further in.
export { DEFAULT_GRPC_PORT, type GrpcServer, type GrpcServerOptions, type GrpcTls, startGrpcServer } from './grpc-server.js';
export { type ServerFacts, toDeliberationJson } from './response-mapping.js';
export type { ContextSources } from './context-handlers.js';
export type { DesktopSources } from './desktop-handlers.js';
export { connectPlanningService, type PlanningClientOptions } from './planning-client.js';
export type { FleetUseCases } from './fleet-use-cases.js';
