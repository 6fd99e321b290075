import type { ErrorCode } from '../../core/domain/errors.js';
import { isFleetError } from '../../core/domain/errors.js';

/** Exit codes of `fleet`, one per error code, so scripts can tell a typo from an outage. */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  notFound: 3,
  deadline: 4,
  unavailable: 5,
  precondition: 6,
  /** The disk is full (or another limit of this machine is reached). */
  exhausted: 7,
  /** A token was needed and missing or wrong. */
  unauthenticated: 8,
  cancelled: 130,
} as const;

const BY_CODE: Record<ErrorCode, number> = {
  INVALID_ARGUMENT: EXIT.usage,
  NOT_FOUND: EXIT.notFound,
  DEADLINE_EXCEEDED: EXIT.deadline,
  UNAVAILABLE: EXIT.unavailable,
  FAILED_PRECONDITION: EXIT.precondition,
  // Reusing a task id with other parameters: a conflict the caller resolves, like a precondition.
  ALREADY_EXISTS: EXIT.precondition,
  RESOURCE_EXHAUSTED: EXIT.exhausted,
  UNAUTHENTICATED: EXIT.unauthenticated,
  CANCELLED: EXIT.cancelled,
  INTERNAL: EXIT.failed,
};

export function exitCodeOf(error: unknown): number {
  return isFleetError(error) ? BY_CODE[error.code] : EXIT.failed;
}

export function messageOf(error: unknown): string {
  if (isFleetError(error)) return `${error.code.toLowerCase().replace(/_/g, ' ')}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
