import { timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Code, ConnectError, cors, type Interceptor } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import sirv from 'sirv';
import { FleetError, invalidArgument } from '../../domain/errors.js';
import { silentLog, type Log } from '../../ports/log.js';
import { ContextService } from '../../../proto/gen-es/fleet/context/v1/context_pb.js';
import { DesktopService } from '../../../proto/gen-es/fleet/desktop/v1/desktop_pb.js';
import { OrchestratorService } from '../../../proto/gen-es/fleet/orchestrator/v1/orchestrator_pb.js';
import { PlanningService } from '../../../proto/gen-es/fleet/planning/v2/planning_pb.js';
import { StoryCoachService } from '../../../proto/gen-es/fleet/storycoach/v1/storycoach_pb.js';
import { TaskDerivationPlanningService } from '../../../proto/gen-es/fleet/task_derivation/v1/task_derivation_pb.js';
import { forwardTo } from './grpc-forwarding.js';

export interface UiServerOptions {
  /** Loopback unless told otherwise: the token is the only lock, so the door faces this machine. */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  /** Every API call must carry `authorization: Bearer <token>`. */
  readonly token: string;
  /** The built renderer (index.html and assets); absent: the page says how to build it. */
  readonly staticDir?: string;
  /** The daemon's gRPC server (plaintext, loopback) that answers the calls, and its token if it has one. */
  readonly grpcTarget: string;
  readonly grpcToken?: string;
  /** Origins besides the page's own that may call the API (the desktop shell's app://fleet). */
  readonly allowedOrigins?: readonly string[];
  readonly onLog?: Log;
}

export interface UiServer {
  readonly port: number;
  /** The page's address with the token, as printed for a person to open. */
  readonly url: string;
  stop(): Promise<void>;
}

// Every service the daemon serves, to the page as to any gRPC client.
const UI_SERVICES = [
  OrchestratorService,
  DesktopService,
  PlanningService,
  StoryCoachService,
  TaskDerivationPlanningService,
  ContextService,
];

// The page loads only its own scripts and talks only to its own origin; charts set inline styles.
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** The desktop app over HTTP: the built renderer, and the daemon's API for it (Connect and gRPC-Web). */
export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  const { host = '127.0.0.1', port = 0, token, onLog: log = silentLog } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw invalidArgument('ui_port', 'an integer in 0..65535', port);
  if (token.length < 16) throw invalidArgument('token', 'at least 16 characters');

  const expected = Buffer.from(`Bearer ${token}`);
  const authorize: Interceptor = (next) => (request) => {
    const given = Buffer.from(request.header.get('authorization') ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new ConnectError('a valid token is required: open the address `fleet serve` printed', Code.Unauthenticated);
    }
    return next(request);
  };
  const forwarding = forwardTo(options.grpcTarget, options.grpcToken, UI_SERVICES);
  const page = pageHandler(options.staticDir);
  const api = connectNodeAdapter({ routes: (router) => forwarding.routes(router), interceptors: [authorize] });

  let ownOrigins: readonly string[] = [];
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    // A page elsewhere must not drive the API through this browser (and a rebound DNS name is another site).
    const origin = req.headers.origin;
    const crossAllowed = origin !== undefined && (options.allowedOrigins ?? []).includes(origin);
    if (origin !== undefined && !ownOrigins.includes(origin) && !crossAllowed)
      return refuse(res, 403, `origin ${origin} may not call this daemon`);
    if (!ownOrigins.some((o) => o === `http://${req.headers.host ?? ''}`)) return refuse(res, 403, 'unknown host name');
    if (crossAllowed) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('vary', 'origin');
      res.setHeader('access-control-expose-headers', cors.exposedHeaders.join(', '));
      if (req.method === 'OPTIONS') {
        res.writeHead(204, {
          'access-control-allow-methods': cors.allowedMethods.join(', '),
          'access-control-allow-headers': [...cors.allowedHeaders, 'authorization'].join(', '),
          'access-control-max-age': '600',
        });
        res.end();
        return;
      }
    }
    // API paths are /<package>.<Service>/<Method>; everything else is the page.
    if ((req.url ?? '').startsWith('/fleet.')) api(req, res);
    else page(req, res);
  };

  const server = createServer(handle);
  const boundPort = await new Promise<number>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new FleetError(
          'UNAVAILABLE',
          `cannot serve the UI on ${host}:${port}: ${error.message}${error.code === 'EADDRINUSE' ? '; choose another with --ui-port' : ''}`,
          {
            cause: error,
          },
        ),
      ),
    );
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  ownOrigins = [...new Set([`http://${shownHost}:${boundPort}`, `http://127.0.0.1:${boundPort}`, `http://localhost:${boundPort}`])];
  const url = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${boundPort}/?token=${encodeURIComponent(token)}`;
  log('info', 'UI listening', { address: `${host}:${boundPort}` });

  let stopping: Promise<void> | undefined;
  return {
    port: boundPort,
    url,
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Open event streams would hold the close forever.
        server.closeAllConnections();
        forwarding.close();
      });
      return stopping;
    },
  };
}

function pageHandler(staticDir: string | undefined): (req: IncomingMessage, res: ServerResponse) => void {
  if (staticDir === undefined || !existsSync(join(staticDir, 'index.html'))) {
    return (_req, res) => refuse(res, 404, 'the desktop UI is not built: run `npm run build:ui`, then start the daemon again');
  }
  const files = sirv(staticDir, {
    single: true,
    etag: true,
    setHeaders: (res) => {
      res.setHeader('content-security-policy', CONTENT_SECURITY_POLICY);
      res.setHeader('x-content-type-options', 'nosniff');
      res.setHeader('referrer-policy', 'no-referrer');
    },
  });
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'only GET here');
    files(req, res, () => refuse(res, 404, 'not found'));
  };
}

function refuse(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(`${message}\n`);
}
