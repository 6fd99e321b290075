import type { Role } from '../domain/role.js';
import type { ModelInfo } from './language-model.js';

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
  readonly model: ModelInfo & { readonly contextTokens?: number };
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

/** A model the app can switch to. */
export interface ModelChoice {
  /** What `select` takes for it: tiny, a file path or a URI. */
  readonly spec: string;
  readonly name: string;
  readonly kind: 'built-in' | 'local' | 'download';
  /** On this machine already (a download not fetched yet is not). */
  readonly present: boolean;
  readonly fileBytes?: number;
  readonly description: string;
}

export interface MemoryEstimate {
  readonly fileBytes: number;
  readonly modelRamBytes: number;
  readonly contextRamBytes: number;
  readonly contextTokens: number;
  readonly systemFreeBytes: number;
  readonly architecture: string;
  readonly parameters: number;
}

export type ModelSelection =
  | { readonly kind: 'local'; readonly spec: string }
  | { readonly kind: 'remote'; readonly url: string; readonly model?: string; readonly apiKey?: string };

/** The Models view's port: what can be chosen, what it would cost, fetching it, and switching to it. */
export interface ModelCatalog {
  current(): { readonly info: ModelInfo; readonly contextTokens?: number; readonly spec: string };
  list(): Promise<{ readonly choices: readonly ModelChoice[]; readonly modelsDir: string }>;
  estimate(spec: string): Promise<MemoryEstimate>;
  /** Resolves with the file; rejects CANCELLED when `signal` aborts (what was fetched is kept for a resume). */
  download(
    uri: string,
    options: { readonly signal: AbortSignal; readonly onProgress: (p: { downloadedBytes: number; totalBytes: number }) => void },
  ): Promise<{ readonly path: string; readonly fileBytes: number }>;
  /** Loads the model and puts it in place; refused (FAILED_PRECONDITION) while a deliberation runs. */
  select(selection: ModelSelection): Promise<ModelInfo>;
}
