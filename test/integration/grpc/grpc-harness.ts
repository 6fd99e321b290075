import type { LogLevel } from '../../../core/ports/log.js';
import { startGrpcServer, type GrpcServer } from '../../../core/adapters/grpc/grpc-server.js';
import { connectFleetClient, type FleetGrpcClient } from '../../support/grpc-client.js';
import { ScriptedFleetService } from './scripted-fleet-service.js';

export interface LogEntry {
  readonly level: LogLevel;
  readonly message: string;
  readonly fields: Readonly<Record<string, unknown>> | undefined;
}

export interface Harness {
  readonly fleet: ScriptedFleetService;
  readonly server: GrpcServer;
  readonly client: FleetGrpcClient;
  readonly logs: LogEntry[];
  close(): Promise<void>;
}

/** The adapter on a free loopback port, backed by a scripted core, with a real client connected. */
export async function startHarness(options: { serving?: boolean } = {}): Promise<Harness> {
  const fleet = new ScriptedFleetService();
  const logs: LogEntry[] = [];
  const server = await startGrpcServer({
    fleet: fleet.useCases,
    version: 'test-version',
    port: 0,
    shutdownGraceMs: 300,
    onLog: (level, message, fields) => logs.push({ level, message, fields }),
  });
  if (options.serving !== false) server.setServing(true);
  const client = connectFleetClient(`127.0.0.1:${server.port}`);
  return {
    fleet,
    server,
    client,
    logs,
    async close() {
      client.close();
      await server.stop();
    },
  };
}

/** Polls until `check` holds; for effects that cross the wire asynchronously (a server seeing a cancel). */
export async function eventually(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
