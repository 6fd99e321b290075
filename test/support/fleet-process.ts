import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const FLEET = resolve(import.meta.dirname, '../../bin/fleet.js');

export const tempDataDir = (): string => mkdtempSync(join(tmpdir(), 'fleet-test-'));

/** Environment for child processes: nothing from the user's config leaks in. */
const childEnv = (): NodeJS.ProcessEnv => {
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('FLEET_')) delete env[key];
  return env;
};

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `fleet ARGS` to completion as a real child process. */
export function runFleet(args: readonly string[], options: { timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [FLEET, ...args], { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`fleet ${args.join(' ')} timed out\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, options.timeoutMs ?? 90_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

export interface FleetChild {
  readonly child: ChildProcess;
  readonly output: () => string;
  /** SIGTERM and wait for exit; returns the exit code. */
  stop(): Promise<number | null>;
}

/** Spawns `fleet ARGS` and resolves once its output matches `ready` (a long-running command). */
function spawnUntilReady(args: readonly string[], ready: RegExp, what: string): Promise<FleetChild & { match: RegExpExecArray }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [FLEET, ...args], { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what} did not start:\n${out}`));
    }, 60_000);
    const onData = (b: Buffer) => {
      out += b.toString();
      const match = ready.exec(out);
      if (match === null) return;
      clearTimeout(timer);
      resolvePromise({
        match,
        child,
        output: () => out,
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          return exited;
        },
      });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code} before it was ready:\n${out}`));
    });
  });
}

export interface DaemonProcess extends FleetChild {
  readonly port: number;
}

/** Starts `fleet serve` on a free port and resolves once it prints the address it listens on. */
export async function startDaemon(dataDir: string, extraArgs: readonly string[] = []): Promise<DaemonProcess> {
  const started = await spawnUntilReady(
    ['serve', '--data-dir', dataDir, '--grpc-port', '0', '--model', 'tiny', ...extraArgs],
    /listening on [^:\s]+:(\d+)/,
    'daemon',
  );
  return { ...started, port: Number(started.match[1]) };
}

/** Starts `fleet worker` against a daemon's data dir and resolves once it serves. */
export function startWorker(dataDir: string, extraArgs: readonly string[] = []): Promise<FleetChild> {
  return spawnUntilReady(['worker', '--data-dir', dataDir, '--model', 'tiny', ...extraArgs], /worker serving/, 'worker');
}

/** Where a daemon's embedded NATS listens and its token, as the daemon writes them for workers. */
export const daemonNatsEndpoint = (dataDir: string): { url: string; token: string } =>
  JSON.parse(readFileSync(join(dataDir, 'nats', 'endpoint.json'), 'utf8')) as { url: string; token: string };

/** The pid of a daemon's embedded nats-server, from the supervisor's pid file. */
export const natsServerPid = (dataDir: string): number => Number(readFileSync(join(dataDir, 'nats', 'nats-server.pid'), 'utf8').trim());
