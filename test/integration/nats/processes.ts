import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isProcessAlive as isAlive } from '../../../core/base/process-liveness.js';

export { isAlive };

/** Resolves once `pid` is gone; rejects after `timeoutMs`. */
export async function waitGone(pid: number, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > until) throw new Error(`process ${pid} still running after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function waitFor(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const ownerScript = fileURLToPath(new URL('./server-owner.ts', import.meta.url));

export interface Owner {
  readonly child: ChildProcess;
  readonly serverPid: number;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts server-owner.ts in its own Node process and resolves once its server is ready. */
export function startOwner(dataDir: string): Promise<Owner> {
  const child = spawn(process.execPath, ['--import', 'tsx', ownerScript, dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr?.on('data', (b: Buffer) => (err += b.toString()));
    child.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line !== undefined) resolve({ child, serverPid: (JSON.parse(line) as { pid: number }).pid, exited });
    });
    void exited.then(({ code, signal }) => reject(new Error(`owner exited early (${code ?? signal}): ${err}`)));
  });
}

/** Addresses with a listening TCP socket on `port` (Linux /proc, hex as the kernel writes them). */
export function listeningAddresses(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const found: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state !== '0A' || local === undefined) continue;
      const [address, p] = local.split(':');
      if (p === hexPort && address !== undefined) found.push(address);
    }
  }
  return found;
}
