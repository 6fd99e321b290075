import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { type Client, createClient, type Interceptor } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';

import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';

import { connectNats } from '../../core/adapters/nats/connect.js';
import { encodeEnvelope, makeEnvelope } from '../../core/adapters/nats/event-envelope.js';
import { EVENT_TYPE } from '../../core/adapters/nats/event-payloads.js';
import { DesktopService } from '../../proto/gen-es/fleet/desktop/v1/desktop_pb.js';
import { OrchestratorService } from '../../proto/gen-es/fleet/orchestrator/v1/orchestrator_pb.js';
import { PlanningService } from '../../proto/gen-es/fleet/planning/v2/planning_pb.js';
import { type DaemonProcess, daemonNatsEndpoint, startDaemon, tempDataDir } from '../support/fleet-process.js';

/** The daemon as the desktop app sees it: `fleet serve` on the tiny model, with its UI on a free port. */

const RENDERER_INDEX = resolve(import.meta.dirname, '../../renderer/dist/index.html');

/** Why the page cannot be served, in words that say how to fix it; undefined when it can. */
export function rendererMissing(): string | undefined {
  if (existsSync(RENDERER_INDEX)) return undefined;
  return `the desktop UI is not built (${RENDERER_INDEX} is missing): run \`npm run build:ui\` first (\`npm test\` does)`;
}

export interface DesktopApi {
  readonly orchestrator: Client<typeof OrchestratorService>;
  readonly desktop: Client<typeof DesktopService>;
}

export interface UiDaemon {
  readonly daemon: DaemonProcess;
  readonly dataDir: string;
  /** The address `fleet serve` printed, token included, as a person would open it. */
  readonly url: string;
  /** The page's origin (no token). */
  readonly origin: string;
  readonly token: string;
  /** The same API the page calls, from Node, with the token. */
  readonly api: DesktopApi;
  /** SIGTERM the daemon and remove its data folder; safe to call twice. */
  stop(): Promise<void>;
}

const UI_LINE = /^ui: (http:\/\/127\.0\.0\.1:\d+)\/\?token=([A-Za-z0-9_-]+)$/m;

/** The page's Connect endpoint from Node, with the launch token. */
function uiTransport(baseUrl: string, token: string) {
  const auth: Interceptor = (next) => (request) => {
    request.header.set('authorization', `Bearer ${token}`);
    return next(request);
  };
  return createConnectTransport({ baseUrl, httpVersion: '1.1', interceptors: [auth] });
}

export function desktopApi(baseUrl: string, token: string): DesktopApi {
  const transport = uiTransport(baseUrl, token);
  return { orchestrator: createClient(OrchestratorService, transport), desktop: createClient(DesktopService, transport) };
}

/** The planning API the Backlog view calls, from Node (to check what the page did). */
export const planningApi = (fleet: Pick<UiDaemon, 'origin' | 'token'>): Client<typeof PlanningService> =>
  createClient(PlanningService, uiTransport(fleet.origin, fleet.token));

export async function startUiDaemon(): Promise<UiDaemon> {
  const missing = rendererMissing();
  if (missing !== undefined) throw new Error(missing);
  const dataDir = tempDataDir();
  let daemon: DaemonProcess | undefined;
  const stop = async (): Promise<void> => {
    await daemon?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    daemon = await startDaemon(dataDir, ['--ui-port', '0']);
    // startDaemon resolves on the gRPC line; the UI line follows it once the daemon serves.
    const end = Date.now() + 15_000;
    let match: RegExpExecArray | null = null;
    while ((match = UI_LINE.exec(daemon.output())) === null) {
      if (Date.now() > end) throw new Error(`fleet serve printed no "ui: http://127.0.0.1:<port>/?token=…" line:\n${daemon.output()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const [, origin, token] = match as unknown as [string, string, string];
    const running = daemon;
    return { daemon: running, dataDir, url: `${origin}/?token=${token}`, origin, token, api: desktopApi(origin, token), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Where screenshots go for a person to look at; git-ignored. */
export const SCREENSHOTS = resolve(import.meta.dirname, '../../test-results/screenshots');
export const screenshotPath = (name: string): string => join(SCREENSHOTS, `${name}.png`);

export const until = async <T>(check: () => T | undefined | Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> => {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

/** A connection to the daemon's embedded NATS, as the cluster's services would hold one. */
export const connectDaemonNats = (dataDir: string): Promise<NatsConnection> =>
  connectNats({ ...daemonNatsEndpoint(dataDir), name: 'fleet-e2e', ensureStreams: false });

/** What the cluster's planning service publishes: the plan's fields flat, stamped without a zone. */
export async function publishPlanApproval(nc: NatsConnection, planId: string, roles: readonly string[]): Promise<void> {
  const body = {
    story_id: `story-${planId}`,
    plan_id: planId,
    approved_by: 'po@example.com',
    roles,
    timestamp: new Date().toISOString().replace('Z', ''),
  };
  await jetstream(nc).publish('planning.plan.approved', new TextEncoder().encode(JSON.stringify(body)), { msgID: `e2e-${planId}` });
}

/**
 * A progress event for a task no one runs: it lands in the Events view like any other, but starts no
 * work, so it can mark a moment in the feed (a watcher is attached) or be timed (the bench).
 */
export async function publishMarker(nc: NatsConnection, taskId: string): Promise<void> {
  const envelope = makeEnvelope(
    EVENT_TYPE.DELIBERATION_PROGRESS,
    { task_id: taskId, kind: 'phase', phase: 'propose' },
    { eventId: `marker-${taskId}`, correlationId: taskId, occurredAtMs: Date.now() },
  );
  await jetstream(nc).publish(EVENT_TYPE.DELIBERATION_PROGRESS, encodeEnvelope(envelope), { msgID: `marker-${taskId}` });
}
