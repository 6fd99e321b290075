import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { isProcessAlive } from '../../../base/process-liveness.js';

/**
 * Stops a nats-server that an earlier owner left running (it was killed with SIGKILL and could not
 * stop its child). The pid file alone is not trusted: the pid may since belong to another program, so
 * the process must be running our config file. Returns the pid it stopped, if any.
 */
export async function stopStaleServer(pidFile: string, configFile: string, graceMs: number): Promise<number | undefined> {
  const pid = readPid(pidFile);
  if (pid === undefined) return undefined;
  let stopped: number | undefined;
  if (isProcessAlive(pid) && commandLine(pid).includes(configFile)) {
    await terminate(pid, graceMs);
    stopped = pid;
  }
  rmSync(pidFile, { force: true });
  return stopped;
}

/** SIGTERM, then SIGKILL once the grace is over; resolves when the process is gone. */
export async function terminate(pid: number, graceMs: number): Promise<void> {
  signal(pid, 'SIGTERM');
  if (await waitForExit(pid, graceMs)) return;
  signal(pid, 'SIGKILL');
  await waitForExit(pid, 5_000);
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (isProcessAlive(pid)) {
    if (Date.now() >= until) return false;
    await sleep(25);
  }
  return true;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    /* already gone */
  }
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    // No /proc (macOS): ps gives the same answer.
    try {
      return execFileSync('ps', ['-p', String(pid), '-o', 'command='], { encoding: 'utf8' });
    } catch {
      return '';
    }
  }
}
