import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectNats } from '../../core/adapters/nats/connect.js';
import {
  type NatsServerEvent,
  type NatsServerOptions,
  NatsServerSupervisor,
} from '../../core/adapters/nats/server/nats-server-supervisor.js';

export interface TestNatsServer {
  readonly server: NatsServerSupervisor;
  readonly dataDir: string;
  readonly events: NatsServerEvent[];
  /** A client connection (streams ensured unless told otherwise), closed by `stop`. */
  connect(options?: { ensureStreams?: boolean }): Promise<NatsConnection>;
  /** Closes the connections, stops the server, removes its folder. */
  stop(): Promise<void>;
}

/**
 * A real nats-server on a free loopback port with JetStream in a temp folder, run by the same
 * supervisor the daemon uses.
 */
export async function startTestNatsServer(options: Partial<NatsServerOptions> = {}): Promise<TestNatsServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'fleet-nats-'));
  const events: NatsServerEvent[] = [];
  const server = await NatsServerSupervisor.start({
    preferredPort: 0,
    stopGraceMs: 2_000,
    ...options,
    dataDir,
    onEvent: (e) => {
      events.push(e);
      options.onEvent?.(e);
    },
  });
  const connections: NatsConnection[] = [];
  return {
    server,
    dataDir,
    events,
    async connect(connectOptions = {}) {
      const nc = await connectNats({ url: server.url, token: server.token, ensureStreams: connectOptions.ensureStreams ?? true });
      connections.push(nc);
      return nc;
    },
    async stop() {
      await Promise.all(connections.splice(0).map((nc) => nc.close().catch(() => undefined)));
      await server.stop();
      if (options.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
