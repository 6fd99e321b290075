import { status, type StatusObject } from '@grpc/grpc-js';
import { type ErrorCode, FleetError, isFleetError } from '../../domain/errors.js';
import type { Log } from '../../ports/log.js';

export type GrpcError = Pick<StatusObject, 'code' | 'details'>;

const GRPC_STATUS: Readonly<Record<ErrorCode, status>> = {
  INVALID_ARGUMENT: status.INVALID_ARGUMENT,
  NOT_FOUND: status.NOT_FOUND,
  ALREADY_EXISTS: status.ALREADY_EXISTS,
  FAILED_PRECONDITION: status.FAILED_PRECONDITION,
  RESOURCE_EXHAUSTED: status.RESOURCE_EXHAUSTED,
  UNAUTHENTICATED: status.UNAUTHENTICATED,
  DEADLINE_EXCEEDED: status.DEADLINE_EXCEEDED,
  CANCELLED: status.CANCELLED,
  UNAVAILABLE: status.UNAVAILABLE,
  INTERNAL: status.INTERNAL,
};

/**
 * The one place an error becomes a gRPC status. Anything that is not a FleetError is a bug or an
 * unexpected failure whose message may carry internals (paths, SQL, stacks), so the client gets a
 * generic INTERNAL and the detail goes to the log.
 */
export function toGrpcError(error: unknown, method: string, log: Log): GrpcError {
  if (isFleetError(error)) {
    if (error.code === 'INTERNAL') log('error', `${method} failed`, { error: error.message, cause: String(error.cause) });
    return { code: GRPC_STATUS[error.code], details: error.message };
  }
  log('error', `${method} failed with an unexpected error`, {
    error: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
  return { code: status.INTERNAL, details: `internal error in ${method}; the daemon log has the detail` };
}

/** A status a server answered, as the FleetError it stands for (the reverse of toGrpcError). */
export function fromGrpcError(error: { code?: number; details?: string; message?: string }, what: string): FleetError {
  const code = (Object.keys(GRPC_STATUS) as ErrorCode[]).find((c) => GRPC_STATUS[c] === error.code);
  const details = error.details ?? error.message ?? 'no detail';
  if (code !== undefined) return new FleetError(code, details);
  return new FleetError('UNAVAILABLE', `${what}: ${details}`);
}
