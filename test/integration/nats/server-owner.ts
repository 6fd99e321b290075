/**
 * A process that owns an embedded nats-server, as the daemon does, for tests that kill or signal the
 * owner: `server-owner.ts <dataDir>` starts the server, prints `{"pid":…,"url":…}` and waits.
 */
import { NatsServerSupervisor } from '../../../core/adapters/nats/server/nats-server-supervisor.js';

const dataDir = process.argv[2];
if (dataDir === undefined) throw new Error('usage: server-owner.ts <dataDir>');
const server = await NatsServerSupervisor.start({ dataDir, preferredPort: 0, stopGraceMs: 2_000 });
process.stdout.write(`${JSON.stringify({ pid: server.pid, url: server.url })}\n`);
setInterval(() => undefined, 60_000);
