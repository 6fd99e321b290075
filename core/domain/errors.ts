/**
 * Typed errors with codes. Raised anywhere in the core or adapters; mapped once at each edge
 * (gRPC status, CLI exit code, UI message). Messages name the field and what was expected.
 */
export const ERROR_CODES = [
  'INVALID_ARGUMENT',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'FAILED_PRECONDITION',
  'RESOURCE_EXHAUSTED',
  'UNAUTHENTICATED',
  'DEADLINE_EXCEEDED',
  'CANCELLED',
  'UNAVAILABLE',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class FleetError extends Error {
  readonly code: ErrorCode;
  /** The input field at fault, for INVALID_ARGUMENT. */
  readonly field: string | undefined;

  constructor(code: ErrorCode, message: string, options?: { field?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FleetError';
    this.code = code;
    this.field = options?.field;
  }
}

export const invalidArgument = (field: string, expected: string, got?: unknown): FleetError =>
  new FleetError('INVALID_ARGUMENT', `${field}: expected ${expected}${got === undefined ? '' : `, got ${describe(got)}`}`, { field });

export const notFound = (what: string, id: string, field?: string): FleetError =>
  new FleetError('NOT_FOUND', `${what} not found: ${id}`, field === undefined ? {} : { field });

function describe(value: unknown): string {
  if (typeof value === 'string') return value.length > 60 ? `"${value.slice(0, 57)}..."` : `"${value}"`;
  return String(value);
}

/** Turns an abort reason into the error the edge reports: a deadline or a cancellation. */
export function abortError(signal: AbortSignal): FleetError {
  const reason: unknown = signal.reason;
  if (reason instanceof FleetError) return reason;
  if (reason instanceof Error && reason.name === 'TimeoutError') {
    return new FleetError('DEADLINE_EXCEEDED', 'deadline exceeded', { cause: reason });
  }
  return new FleetError('CANCELLED', 'cancelled', { cause: reason });
}

export const isFleetError = (e: unknown): e is FleetError => e instanceof FleetError;
