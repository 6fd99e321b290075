import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
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

export interface DaemonProcess {
  readonly port: number;
  readonly child: ChildProcess;
  readonly output: () => string;
  /** SIGTERM and wait for exit; returns the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `fleet serve` on a free port and resolves once it prints the address it listens on. */
export function startDaemon(dataDir: string, extraArgs: readonly string[] = []): Promise<DaemonProcess> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [FLEET, 'serve', '--data-dir', dataDir, '--grpc-port', '0', '--model', 'tiny', ...extraArgs], {
      env: childEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`daemon did not start:\n${out}`));
    }, 60_000);
    const onData = (b: Buffer) => {
      out += b.toString();
      const match = /listening on [^:\s]+:(\d+)/.exec(out);
      if (match !== null) {
        clearTimeout(timer);
        resolvePromise({
          port: Number(match[1]),
          child,
          output: () => out,
          async stop() {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
            return exited;
          },
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`daemon exited with ${code} before listening:\n${out}`));
    });
  });
}

/** Starts `fleet worker` against a daemon's data dir and resolves once it serves. */
export function startWorker(dataDir: string, extraArgs: readonly string[] = []): Promise<{ child: ChildProcess; stop(): Promise<number | null> }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [FLEET, 'worker', '--data-dir', dataDir, '--model', 'tiny', ...extraArgs], { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`worker did not start:\n${out}`));
    }, 60_000);
    const onData = (b: Buffer) => {
      out += b.toString();
      if (out.includes('worker serving')) {
        clearTimeout(timer);
        resolvePromise({
          child,
          async stop() {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
            return exited;
          },
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited with ${code} before serving:\n${out}`));
    });
  });
}
