import { status, type ServerWritableStream } from '@grpc/grpc-js';
import {
  HealthCheckResponse_ServingStatus as ServingStatus,
  type HealthCheckRequest,
  type HealthCheckResponse,
  type HealthServer,
} from '../../../proto/gen/grpc/health/v1/health.js';

export interface Health {
  readonly handlers: HealthServer;
  setServing(serving: boolean): void;
  /** Ends every Watch stream, so a graceful shutdown is not held open by probes. */
  endWatches(): void;
}

type Watch = ServerWritableStream<HealthCheckRequest, HealthCheckResponse>;

/**
 * The standard health service. One status covers the server ("") and each service it hosts: they
 * start and stop together. It starts NOT_SERVING so probes wait until the daemon says it is ready.
 */
export function createHealth(serviceNames: readonly string[]): Health {
  const known = new Set(['', ...serviceNames]);
  const watches = new Set<Watch>();
  let serving = false;

  const current = (): ServingStatus => (serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
  const statusOf = (service: string): ServingStatus => (known.has(service) ? current() : ServingStatus.SERVICE_UNKNOWN);

  const handlers: HealthServer = {
    check(call, callback) {
      if (!known.has(call.request.service)) {
        callback({ code: status.NOT_FOUND, details: `unknown service: ${call.request.service}` });
        return;
      }
      callback(null, { status: current() });
    },
    watch(call) {
      call.write({ status: statusOf(call.request.service) });
      watches.add(call);
      call.on('cancelled', () => watches.delete(call));
    },
  };

  return {
    handlers,
    setServing(next) {
      if (next === serving) return;
      serving = next;
      // An unknown service's status never changes, and Watch only reports changes.
      for (const watch of watches) if (known.has(watch.request.service)) watch.write({ status: current() });
    },
    endWatches() {
      for (const watch of watches) watch.end();
      watches.clear();
    },
  };
}
