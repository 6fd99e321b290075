import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection, type Status } from '@nats-io/transport-node';
import { FleetError } from '../../domain/errors.js';
import { ensureStreams, type StreamLimits } from './streams.js';

export interface NatsConnectOptions {
  /** `nats://host:port`, the embedded server's URL or an external one (cluster mode). */
  readonly url: string;
  readonly token?: string;
  /** Shown in the server's connection list. */
  readonly name?: string;
  /** How long the first connection may take. Default 5000. */
  readonly timeoutMs?: number;
  /** Create the fleet's streams (idempotent). Default true. */
  readonly ensureStreams?: boolean;
  /** The streams' limits, imposed on existing streams too: see EnsureStreamsOptions.limits. */
  readonly streamLimits?: StreamLimits;
  readonly onStatus?: (status: Status) => void;
}

const RECONNECT_FIRST_MS = 250;
const RECONNECT_MAX_MS = 5_000;

/**
 * Connects to NATS. Once connected, the connection reconnects forever with backoff (a restarted
 * embedded server comes back on the same URL). The first connection fails fast with FleetError
 * UNAVAILABLE naming the URL, so a wrong `--nats-url` is reported rather than waited on.
 */
export async function connectNats(options: NatsConnectOptions): Promise<NatsConnection> {
  const shownUrl = redact(options.url);
  let disconnectedAtMs: number | undefined;
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: options.url,
      ...(options.token === undefined ? {} : { token: options.token }),
      name: options.name ?? 'swe-fleet',
      timeout: options.timeoutMs ?? 5_000,
      reconnect: true,
      maxReconnectAttempts: -1,
      // The client asks this before every dial for the least time between two dials of one server;
      // growing it with the time spent disconnected gives backoff: quick after a blip, every few
      // seconds after a long outage.
      reconnectDelayHandler: () => {
        const down = disconnectedAtMs === undefined ? 0 : Date.now() - disconnectedAtMs;
        return Math.min(Math.max(RECONNECT_FIRST_MS, down / 4), RECONNECT_MAX_MS) + Math.random() * 50;
      },
      // A token that stopped working (the server restarted with a new one) is worth retrying too.
      ignoreAuthErrorAbort: true,
    });
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    const hint = /authoriz/i.test(reason) ? ' (check the token)' : '';
    throw new FleetError('UNAVAILABLE', `cannot connect to NATS at ${shownUrl}: ${reason}${hint}`, { cause: e });
  }
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') disconnectedAtMs ??= Date.now();
      if (status.type === 'reconnect') disconnectedAtMs = undefined;
      options.onStatus?.(status);
    }
  })();
  if (options.ensureStreams !== false) {
    try {
      await ensureStreams(nc, options.streamLimits === undefined ? {} : { limits: options.streamLimits });
    } catch (e) {
      await nc.close();
      throw e;
    }
  }
  return nc;
}

/** Lets what was published go out, then closes; a connection that cannot drain is closed outright. */
export async function closeNats(nc: NatsConnection): Promise<void> {
  await nc.drain().catch(() => nc.close());
}

/** A short-lived connection (a CLI command's): open for `body`, closed after it whatever happens. */
export async function withNatsConnection<T>(options: NatsConnectOptions, body: (nc: NatsConnection) => Promise<T>): Promise<T> {
  const nc = await connectNats(options);
  try {
    return await body(nc);
  } finally {
    await nc.close();
  }
}

/**
 * Resolves once JetStream answers (its account info) within `timeoutMs`; throws FleetError UNAVAILABLE
 * while it does not: the connection is down, or the server's JetStream is wedged or restarting.
 */
export async function checkJetStream(nc: NatsConnection, timeoutMs: number): Promise<void> {
  try {
    // Creating the manager asks the server for the account's JetStream info.
    await jetstreamManager(nc, { timeout: timeoutMs });
  } catch (e) {
    throw new FleetError('UNAVAILABLE', `JetStream does not answer: ${(e as Error).message}`, { cause: e });
  }
}

/** The most one message may carry: what the server said, or its default before it has said. */
export const maxPayload = (nc: NatsConnection): number => nc.info?.max_payload ?? 1024 * 1024;

/** The URL without credentials, for messages and logs. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url.includes('://') ? url : `nats://${url}`);
    if (parsed.username === '' && parsed.password === '') return url;
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url;
  }
}
