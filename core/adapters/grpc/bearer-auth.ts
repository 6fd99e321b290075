import { createHash, timingSafeEqual } from 'node:crypto';
import { type Metadata, ServerInterceptingCall, type ServerInterceptor, status } from '@grpc/grpc-js';
import type { Log } from '../../ports/log.js';

/**
 * Open without a token: the standard health service. Kubernetes gRPC probes and load balancers cannot
 * send one, and what it tells (SERVING or not) names no council, task or model. Everything else,
 * unary and streaming alike, needs the token.
 */
const OPEN_PREFIX = '/grpc.health.v1.Health/';

/**
 * A server interceptor that lets a call through only with `authorization: Bearer <token>` metadata.
 * Both sides are hashed to SHA-256 before `timingSafeEqual`, so the comparison takes the same time
 * whatever the token sent (its length included). The answer to a refused call says that a token is
 * needed, never which one.
 */
export function bearerAuth(token: string, log: Log): ServerInterceptor {
  const expected = digest(token);
  // Said at most once a minute, with a count: a scanner trying tokens must not fill the disk with logs.
  let refused = 0;
  let saidAt = -Infinity;
  const noteRefusal = (method: string, peer: string): void => {
    refused++;
    if (Date.now() - saidAt < 60_000) return;
    log('warn', 'gRPC calls refused for want of a valid token', { refused, method, peer });
    refused = 0;
    saidAt = Date.now();
  };
  return (method, call) =>
    new ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, proceed) {
            if (method.path.startsWith(OPEN_PREFIX)) {
              proceed(metadata);
              return;
            }
            const refusal = check(metadata, expected);
            if (refusal === undefined) {
              proceed(metadata);
              return;
            }
            noteRefusal(method.path, call.getPeer());
            call.sendStatus({ code: status.UNAUTHENTICATED, details: refusal });
          },
        });
      },
    });
}

function check(metadata: Metadata, expected: Buffer): string | undefined {
  const header = metadata.get('authorization')[0];
  if (typeof header !== 'string') {
    return 'this server requires a token: send it as `authorization: Bearer <token>` metadata';
  }
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (match === null || !timingSafeEqual(digest(match[1]!), expected)) {
    return 'the token sent is not accepted: send the token this server was started with as `authorization: Bearer <token>` metadata';
  }
  return undefined;
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();
