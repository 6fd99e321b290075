import type { ServiceDefinition } from '@grpc/grpc-js';
import { FleetError } from '../../domain/errors.js';

// grpc-js answers a request body it cannot decode with INTERNAL, as if the server had failed. The bytes
// are the client's fault, so each method's decoder is wrapped to hand the handler a marker instead,
// which the handler answers INVALID_ARGUMENT.

const UNDECODABLE = Symbol('undecodable request');

interface Undecodable {
  readonly [UNDECODABLE]: string;
}

/** The service with decoders that never throw. */
export function tolerantDecoding<S extends ServiceDefinition>(service: S): S {
  return Object.fromEntries(
    Object.entries(service).map(([name, method]) => [
      name,
      {
        ...method,
        requestDeserialize: (bytes: Buffer): unknown => {
          try {
            return method.requestDeserialize(bytes);
          } catch (error) {
            return { [UNDECODABLE]: error instanceof Error ? error.message : String(error) } satisfies Undecodable;
          }
        },
      },
    ]),
  ) as S;
}

/** Throws INVALID_ARGUMENT when the request could not be decoded. */
export function checkDecoded(request: unknown, method: string): void {
  if (typeof request === 'object' && request !== null && UNDECODABLE in request) {
    const reason = (request as Undecodable)[UNDECODABLE];
    throw new FleetError('INVALID_ARGUMENT', `request: expected a protobuf ${method} request, got bytes that do not decode (${reason})`, {
      field: 'request',
    });
  }
}
