import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetStreamAnswers } from './jetstream-probe.js';

export interface BoundServer {
  readonly url: string;
  readonly port: number;
  /** `http://127.0.0.1:PORT` when the monitoring port was asked for; empty otherwise. */
  readonly monitorUrl: string;
}

/**
 * Waits until the server with this pid has written its ports file and its JetStream answers on the
 * client port (asked with `token`). Throws when `hasExited()` turns true or the time is over; the
 * caller turns that into its own error.
 */
export async function waitUntilReady(
  pid: number,
  portsFileDir: string,
  token: string,
  hasExited: () => boolean,
  timeoutMs: number,
): Promise<BoundServer> {
  const deadline = Date.now() + timeoutMs;
  let bound: BoundServer | undefined;
  for (;;) {
    if (hasExited()) throw new Error('nats-server exited during startup');
    bound ??= readPortsFile(pid, portsFileDir);
    if (bound !== undefined && (await jetStreamAnswers(bound.url, token, 1_000))) return bound;
    if (Date.now() >= deadline) throw new Error(`nats-server was not ready within ${timeoutMs} ms`);
    await sleep(25);
  }
}

function readPortsFile(pid: number, dir: string): BoundServer | undefined {
  // The file is named after the executable, which a bundled copy may have renamed.
  const name = readdirSync(dir).find((f) => f.endsWith(`_${pid}.ports`));
  if (name === undefined) return undefined;
  try {
    const ports = JSON.parse(readFileSync(join(dir, name), 'utf8')) as { nats?: string[]; monitoring?: string[] };
    const url = ports.nats?.[0];
    if (url === undefined) return undefined;
    return { url, port: Number(new URL(url).port), monitorUrl: ports.monitoring?.[0] ?? '' };
  } catch {
    return undefined; // written but not complete yet
  }
}

/** Whether a loopback listener could take this port now. */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host: '127.0.0.1', exclusive: true }, () => probe.close(() => resolve(true)));
  });
}
