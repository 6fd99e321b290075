import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FleetError } from '../../../domain/errors.js';
import { locateNatsServer, type NatsServerBinary } from './nats-server-binary.js';
import { jetStreamAnswers } from './jetstream-probe.js';
import { type JetStreamWatchdog, watchJetStream } from './jetstream-watchdog.js';
import { type JetStreamSync, renderNatsServerConfig, strongestSync } from './nats-server-config.js';
import { type BoundServer, isPortFree, waitUntilReady } from './server-readiness.js';
import { stopStaleServer, terminate } from './stale-server.js';

export const DEFAULT_NATS_PORT = 4222;

export type NatsServerEvent =
  | { readonly type: 'stale-server-stopped'; readonly pid: number }
  | { readonly type: 'started'; readonly pid: number; readonly url: string; readonly restart: boolean }
  | {
      readonly type: 'exited';
      readonly pid: number;
      readonly code: number | null;
      readonly signal: string | null;
      readonly expected: boolean;
    }
  | { readonly type: 'wedged'; readonly pid: number; readonly unanswered: number }
  | { readonly type: 'restarting'; readonly attempt: number; readonly delayMs: number }
  | { readonly type: 'restart-failed'; readonly attempt: number; readonly message: string }
  | { readonly type: 'stopped' };

export interface NatsServerOptions {
  /** Folder of its own for the server: config, pid file, log and the JetStream store. */
  readonly dataDir: string;
  /** Taken when free; otherwise (or when 0) the server picks a free port. Default 4222. */
  readonly preferredPort?: number;
  /** Default: located with `locateNatsServer` (bundled copy, NATS_SERVER_BIN, PATH). */
  readonly binary?: NatsServerBinary;
  /** The packaged app's bundled copies, used when `binary` is not given. */
  readonly bundled?: readonly string[];
  /** Clients must present it. Default: generated. */
  readonly token?: string;
  readonly readyTimeoutMs?: number;
  /** How long a stop waits after SIGTERM before SIGKILL. Default 5000. */
  readonly stopGraceMs?: number;
  /** Delay before the first restart, doubled per failure up to `restartMaxDelayMs`. Defaults 200 / 10000. */
  readonly restartDelayMs?: number;
  readonly restartMaxDelayMs?: number;
  /** JetStream's disk budget (max_file_store). Default: nats-server's own, 75% of the disk free at start. */
  readonly maxFileStoreBytes?: number;
  /**
   * Open nats-server's HTTP monitoring port (loopback; /varz, /connz, /jsz answer anyone on this machine,
   * without the token). Default false: readiness and the watchdog ask JetStream on the client port.
   */
  readonly monitoring?: boolean;
  /**
   * A server whose JetStream leaves `watchdogFailures` questions in a row unanswered, `watchdogIntervalMs`
   * apart, is killed (SIGKILL: a wedged server ignores SIGTERM) and restarted like one that died; see
   * watchJetStream. Defaults 3000 ms and 3; an interval of 0 turns the watchdog off.
   */
  readonly watchdogIntervalMs?: number;
  readonly watchdogFailures?: number;
  /**
   * Stop the server when this process gets SIGINT, SIGTERM or SIGHUP; the signal is then raised again
   * if nothing else listens for it, so the owner still ends as it would have. Default true.
   */
  readonly stopOnSignals?: boolean;
  readonly onEvent?: (event: NatsServerEvent) => void;
}

const CONFIG_FILE = 'nats-server.conf';
const PID_FILE = 'nats-server.pid';
const LOG_FILE = 'nats-server.log';
/** A server that ran this long before dying starts the backoff over. */
const STABLE_MS = 30_000;
const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * The embedded nats-server as a supervised child process: loopback only, token auth, JetStream on
 * disk, restarted with backoff when it dies, stopped with the owner.
 */
export class NatsServerSupervisor {
  private child: ChildProcess | undefined;
  private bound: BoundServer | undefined;
  private launching: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private startedAtMs = 0;
  private watchdog: JetStreamWatchdog | undefined;
  private readonly signalHandlers = new Map<NodeJS.Signals, () => void>();
  private readonly onProcessExit = (): void => {
    // Only synchronous work runs at exit: the server shuts itself down on SIGTERM.
    this.child?.kill('SIGTERM');
  };

  private constructor(
    private readonly options: NatsServerOptions,
    readonly binary: NatsServerBinary,
    readonly token: string,
    /** The strongest JetStream fsync setting this binary accepts, and the one in use. */
    readonly sync: JetStreamSync,
  ) {}

  /** Starts the server and resolves once it serves clients. Throws FleetError UNAVAILABLE when it cannot. */
  static async start(options: NatsServerOptions): Promise<NatsServerSupervisor> {
    mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    const binary = options.binary ?? locateNatsServer(options.bundled === undefined ? {} : { bundled: options.bundled });
    const configFile = join(options.dataDir, CONFIG_FILE);
    const stale = await stopStaleServer(join(options.dataDir, PID_FILE), configFile, options.stopGraceMs ?? 5_000);
    if (stale !== undefined) options.onEvent?.({ type: 'stale-server-stopped', pid: stale });
    const sync = await strongestSync(binary.path);
    const supervisor = new NatsServerSupervisor(options, binary, options.token ?? randomBytes(24).toString('hex'), sync);
    // Hooked before the spawn: a signal to the owner during startup must not orphan the child.
    supervisor.hookProcess();
    supervisor.launching = supervisor.launch(options.preferredPort ?? DEFAULT_NATS_PORT);
    try {
      await supervisor.launching;
    } catch (e) {
      supervisor.unhookProcess();
      throw e;
    } finally {
      supervisor.launching = undefined;
    }
    supervisor.watchdog = supervisor.startWatchdog();
    options.onEvent?.({ type: 'started', pid: supervisor.pid ?? 0, url: supervisor.url, restart: false });
    return supervisor;
  }

  /** `nats://127.0.0.1:PORT`. Stays the same across restarts unless another program took the port meanwhile. */
  get url(): string {
    return this.bound?.url ?? '';
  }

  get port(): number {
    return this.bound?.port ?? 0;
  }

  get monitorUrl(): string {
    return this.bound?.monitorUrl ?? '';
  }

  /** The server process now running, if any. */
  get pid(): number | undefined {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  get logFile(): string {
    return join(this.options.dataDir, LOG_FILE);
  }

  get pidFile(): string {
    return join(this.options.dataDir, PID_FILE);
  }

  /** SIGTERM, SIGKILL after the grace; no restart after this. Safe to call more than once. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    clearTimeout(this.restartTimer);
    this.watchdog?.stop();
    this.unhookProcess();
    await this.killChild();
    // A launch in progress either saw `stopping` before spawning or spawned the child just killed.
    await this.launching?.catch(() => undefined);
    await this.killChild();
    rmSync(this.pidFile, { force: true });
    this.options.onEvent?.({ type: 'stopped' });
  }

  private async killChild(): Promise<void> {
    const child = this.child;
    if (child?.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // A wedged server (its JetStream no longer answers) ignores SIGTERM, and has nothing left it could write.
    const wedged = this.url !== '' && !(await jetStreamAnswers(this.url, this.token, 1_000));
    await terminate(child.pid, wedged ? 0 : (this.options.stopGraceMs ?? 5_000));
    await exited;
  }

  private async launch(preferredPort: number): Promise<void> {
    // Port 0 would mean nats-server's default (4222), not "any": the server's "any" is -1.
    const port = preferredPort > 0 && (await isPortFree(preferredPort)) ? preferredPort : 'random';
    try {
      await this.spawnServer(port);
    } catch (e) {
      // Another program may bind the port between our probe and the server's bind.
      if (port === 'random' || !(e instanceof FleetError) || !e.message.includes('address already in use')) throw e;
      await this.spawnServer('random');
    }
  }

  private async spawnServer(port: number | 'random'): Promise<void> {
    const { dataDir } = this.options;
    const configFile = join(dataDir, CONFIG_FILE);
    writeFileSync(
      configFile,
      renderNatsServerConfig({
        port,
        token: this.token,
        storeDir: dataDir,
        pidFile: this.pidFile,
        logFile: this.logFile,
        portsFileDir: dataDir,
        sync: this.sync,
        ...(this.options.maxFileStoreBytes === undefined ? {} : { maxFileStoreBytes: this.options.maxFileStoreBytes }),
        monitoring: this.options.monitoring === true,
      }),
      { mode: 0o600 },
    );
    if (this.stopping !== undefined) throw new FleetError('CANCELLED', 'nats-server is stopping');
    // Its own process group: a Ctrl-C in the owner's terminal reaches the owner, which stops the
    // server after its own shutdown work (which may still publish), rather than both dying at once.
    const child = spawn(this.binary.path, ['-c', configFile], { detached: true, windowsHide: true, stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4_000)));
    let exited = false;
    child.once('exit', () => (exited = true));
    child.once('error', () => (exited = true));
    try {
      if (child.pid === undefined) throw new Error('could not be spawned');
      this.bound = await waitUntilReady(child.pid, dataDir, this.token, () => exited, this.options.readyTimeoutMs ?? 15_000);
    } catch (e) {
      if (child.pid !== undefined && !exited) await terminate(child.pid, 1_000);
      const detail = [stderr.trim(), this.logTail()].filter((s) => s !== '').join('\n');
      throw new FleetError(
        'UNAVAILABLE',
        `nats-server (${this.binary.path}) did not start: ${(e as Error).message}${detail === '' ? '' : `\n${detail}`}`,
        {
          cause: e,
        },
      );
    }
    this.startedAtMs = Date.now();
    child.once('exit', (code, signal) => this.onChildExit(child, code, signal));
  }

  private onChildExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.child) return;
    const expected = this.stopping !== undefined;
    this.options.onEvent?.({ type: 'exited', pid: child.pid ?? 0, code, signal, expected });
    if (!expected) {
      if (Date.now() - this.startedAtMs >= STABLE_MS) this.failures = 0;
      this.scheduleRestart();
    }
  }

  private scheduleRestart(): void {
    this.failures++;
    const initial = this.options.restartDelayMs ?? 200;
    const delayMs = Math.min(initial * 2 ** (this.failures - 1), this.options.restartMaxDelayMs ?? 10_000);
    this.options.onEvent?.({ type: 'restarting', attempt: this.failures, delayMs });
    this.restartTimer = setTimeout(() => void this.restart(), delayMs);
  }

  private async restart(): Promise<void> {
    if (this.stopping !== undefined) return;
    // The same port, so clients reconnecting to the URL they know find the server again.
    this.launching = this.launch(this.bound?.port ?? this.options.preferredPort ?? DEFAULT_NATS_PORT);
    try {
      await this.launching;
      this.watchdog?.reset();
      this.options.onEvent?.({ type: 'started', pid: this.pid ?? 0, url: this.url, restart: true });
    } catch (e) {
      if (this.stopping !== undefined) return;
      this.options.onEvent?.({ type: 'restart-failed', attempt: this.failures, message: (e as Error).message });
      this.scheduleRestart();
    } finally {
      this.launching = undefined;
    }
  }

  private startWatchdog(): JetStreamWatchdog | undefined {
    const intervalMs = this.options.watchdogIntervalMs ?? 3_000;
    if (intervalMs <= 0) return undefined;
    return watchJetStream({
      // Only a server that is up and not being replaced is asked.
      answers: () =>
        this.pid !== undefined && this.launching === undefined && this.stopping === undefined
          ? jetStreamAnswers(this.url, this.token, intervalMs)
          : Promise.resolve(undefined),
      intervalMs,
      failures: this.options.watchdogFailures ?? 3,
      onWedged: (unanswered) => {
        const pid = this.pid;
        if (pid === undefined || this.launching !== undefined || this.stopping !== undefined) return;
        this.options.onEvent?.({ type: 'wedged', pid, unanswered });
        // The exit is then handled as any unexpected one: a restart with backoff.
        this.child?.kill('SIGKILL');
      },
    });
  }

  private hookProcess(): void {
    process.on('exit', this.onProcessExit);
    if (this.options.stopOnSignals === false) return;
    for (const signal of SIGNALS) {
      const handler = (): void => {
        void this.stop().finally(() => {
          // Nobody else handles it: end the owner the way the signal would have without us.
          if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
        });
      };
      this.signalHandlers.set(signal, handler);
      process.once(signal, handler);
    }
  }

  private unhookProcess(): void {
    process.off('exit', this.onProcessExit);
    for (const [signal, handler] of this.signalHandlers) process.off(signal, handler);
    this.signalHandlers.clear();
  }

  private logTail(): string {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').slice(-6).join('\n').trim();
    } catch {
      return '';
    }
  }
}
