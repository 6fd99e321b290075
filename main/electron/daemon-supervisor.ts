import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * The daemon (llama.cpp, the NATS supervisor, the databases) runs as a child process so that a native crash
 * in llama.cpp takes down only the child: the window stays, and this supervisor starts a new daemon.
 */

/** Where the daemon serves the UI and its API: the one line `fleet serve --ui-port` prints once serving. */
export interface DaemonEndpoint {
  readonly url: string;
  readonly origin: string;
  readonly token: string;
}

export type DaemonState =
  | { readonly kind: 'starting'; readonly attempt: number }
  | ({ readonly kind: 'ready' } & DaemonEndpoint)
  | {
      readonly kind: 'crashed';
      readonly code: number | null;
      readonly signal: NodeJS.Signals | null;
      /** What went wrong, in words: the exit, or the missing ui line, and the last lines it wrote to stderr. */
      readonly reason: string;
      readonly restartInMs: number;
    }
  | { readonly kind: 'stopped' };

export interface DaemonSupervisorOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly onState: (state: DaemonState) => void;
  /** Every line the daemon writes, for the shell's log. */
  readonly onOutput?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** A daemon that has not printed its ui line by then is killed and restarted. Default 5 min: a large model loads first. */
  readonly readyTimeoutMs?: number;
  /** Restart delays double from `firstRestartMs` up to `maxRestartMs`; a daemon that became ready starts the series over. */
  readonly firstRestartMs?: number;
  readonly maxRestartMs?: number;
  /** How long SIGTERM has to work before SIGKILL. Default 10 s: the daemon stops its nats-server first. */
  readonly stopGraceMs?: number;
}

const UI_LINE = /^ui: (http:\/\/127\.0\.0\.1:\d{1,5}\/\?token=[A-Za-z0-9_-]+)$/;
const STDERR_LINES_KEPT = 8;

/** The endpoint in a `ui: http://127.0.0.1:<port>/?token=<t>` line; undefined for any other line. */
export function parseUiLine(line: string): DaemonEndpoint | undefined {
  const match = UI_LINE.exec(line.trim());
  if (match?.[1] === undefined) return undefined;
  const url = new URL(match[1]);
  return { url: match[1], origin: url.origin, token: url.searchParams.get('token') ?? '' };
}

export interface DaemonSupervisor {
  readonly state: DaemonState;
  /** The running daemon's pid, if one is running. */
  readonly pid: number | undefined;
  /** Stops the daemon (SIGTERM, then SIGKILL after the grace period) and restarts no more. */
  stop(): Promise<void>;
}

export function superviseDaemon(options: DaemonSupervisorOptions): DaemonSupervisor {
  const readyTimeoutMs = options.readyTimeoutMs ?? 300_000;
  const firstRestartMs = options.firstRestartMs ?? 500;
  const maxRestartMs = options.maxRestartMs ?? 30_000;
  const stopGraceMs = options.stopGraceMs ?? 10_000;

  let state: DaemonState = { kind: 'stopped' };
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let restartTimer: NodeJS.Timeout | undefined;
  let failures = 0;
  let attempt = 0;
  let stopping: Promise<void> | undefined;

  const report = (next: DaemonState): void => {
    state = next;
    options.onState(next);
  };

  const start = (): void => {
    attempt += 1;
    report({ kind: 'starting', attempt });
    const stderrTail: string[] = [];
    let timedOut = false;
    // Its own process group (POSIX), so that a SIGKILL also reaches what the daemon started (nats-server).
    const proc = spawn(options.command, options.args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: process.platform !== 'win32',
      windowsHide: true,
    });
    child = proc;
    const readyTimer = setTimeout(() => {
      timedOut = true;
      void terminate(proc);
    }, readyTimeoutMs);

    createInterface({ input: proc.stdout }).on('line', (line) => {
      options.onOutput?.(line, 'stdout');
      const endpoint = state.kind === 'starting' && child === proc ? parseUiLine(line) : undefined;
      if (endpoint === undefined) return;
      clearTimeout(readyTimer);
      failures = 0;
      report({ kind: 'ready', ...endpoint });
    });
    createInterface({ input: proc.stderr }).on('line', (line) => {
      options.onOutput?.(line, 'stderr');
      stderrTail.push(line);
      if (stderrTail.length > STDERR_LINES_KEPT) stderrTail.shift();
    });

    exited = new Promise((resolve) => {
      proc.once('error', (error) => stderrTail.push(error.message));
      proc.once('close', (code, signal) => {
        clearTimeout(readyTimer);
        child = undefined;
        resolve();
        if (stopping !== undefined) return;
        // A daemon that died on its own may leave its nats-server behind; it gets the chance to stop cleanly.
        signalGroup(proc, 'SIGTERM');
        const restartInMs = Math.min(firstRestartMs * 2 ** failures, maxRestartMs);
        failures += 1;
        const how = timedOut
          ? `printed no "ui: …" line within ${readyTimeoutMs} ms`
          : `exited with ${signal === null ? `code ${String(code)}` : `signal ${signal}`}`;
        const tail = stderrTail.length === 0 ? '' : `: ${stderrTail.join('\n')}`;
        report({ kind: 'crashed', code, signal, reason: `the daemon ${how}${tail}`, restartInMs });
        restartTimer = setTimeout(start, restartInMs);
      });
    });
  };

  const terminate = async (proc: ChildProcess): Promise<void> => {
    const done = exited;
    proc.kill('SIGTERM');
    let grace: NodeJS.Timeout | undefined;
    const killed = new Promise<void>((resolve) => {
      grace = setTimeout(() => {
        signalGroup(proc, 'SIGKILL');
        resolve();
      }, stopGraceMs);
    });
    await Promise.race([done, killed]);
    clearTimeout(grace);
    await done;
  };

  start();

  return {
    get state() {
      return state;
    },
    get pid() {
      return child?.pid;
    },
    stop() {
      stopping ??= (async () => {
        clearTimeout(restartTimer);
        if (child !== undefined) await terminate(child);
        report({ kind: 'stopped' });
      })();
      return stopping;
    },
  };
}

/** Signals the child's whole process group where there is one, else the child alone. */
function signalGroup(proc: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (process.platform === 'win32' || proc.pid === undefined) proc.kill(signal);
    else process.kill(-proc.pid, signal);
  } catch {
    // ESRCH: nothing of the group is left.
  }
}
