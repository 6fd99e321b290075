import type { Role } from '../domain/role.js';

/**
 * What the desktop app watches besides deliberations: the event streams, their dead letters and the
 * machine. Driven ports: the daemon's composition root supplies them (NATS, the process), the gRPC
 * adapter serves them.
 */

export interface MonitoredEvent {
  readonly stream: string;
  readonly subject: string;
  readonly seq: number;
  readonly storedAtMs: number;
  readonly type: string;
  /** flat (the cluster's) or envelope (ours). */
  readonly form: string;
  readonly fields: Readonly<Record<string, unknown>>;
  readonly taskId?: string;
  readonly storyId?: string;
}

export interface DeadLetterView {
  readonly seq: number;
  readonly subject: string;
  readonly reason: string;
  readonly field?: string;
  readonly deadAtMs: number;
  readonly original: Uint8Array;
  readonly truncated: boolean;
  readonly deliveries?: number;
}

export interface EventMonitor {
  /**
   * Calls `onEvent` for each event on a subject matching one of `subjects` (NATS patterns; empty: all)
   * until `signal` aborts; with `sinceMs`, what the streams hold from then on comes first.
   */
  follow(
    options: { readonly subjects: readonly string[]; readonly sinceMs?: number; readonly signal: AbortSignal },
    onEvent: (event: MonitoredEvent) => void,
  ): Promise<void>;
  deadLetters(limit: number): Promise<DeadLetterView[]>;
  /** Validated as its consumer validates it: INVALID_ARGUMENT naming the field. */
  republish(
    seq: number,
    corrected: Uint8Array,
    remove: boolean,
  ): Promise<{ readonly subject: string; readonly seq: number; readonly duplicate: boolean }>;
  /** Per role: workers pulling its requests, requests waiting and requests in hand. */
  queues(): Promise<readonly RoleQueue[]>;
}

export interface RoleQueue {
  readonly role: Role;
  readonly workers: number;
  readonly pending: number;
  readonly inFlight: number;
}

export interface SystemInfo {
  readonly version: string;
  readonly pid: number;
  readonly dataDir: string;
  readonly model: {
    readonly name: string;
    readonly backend: string;
    readonly gpu: string | false;
    readonly threads?: number;
    readonly contextTokens?: number;
    readonly maxSequences?: number;
    readonly fileBytes?: number;
  };
  readonly nats: {
    readonly mode: 'embedded' | 'external' | 'none';
    readonly url: string;
    readonly connected: boolean;
    readonly serverVersion: string;
  };
  readonly process: {
    readonly rssBytes: number;
    readonly heapUsedBytes: number;
    readonly cpuPercent: number;
    readonly cores: number;
    readonly systemFreeBytes: number;
    readonly systemTotalBytes: number;
  };
  /** Why the daemon is not serving, while it is not (a full disk). */
  readonly unhealthyReason?: string;
}
