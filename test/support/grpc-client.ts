import {
  credentials,
  InterceptingCall,
  type Interceptor,
  Metadata,
  type CallOptions,
  type ClientReadableStream,
  type ServiceError,
} from '@grpc/grpc-js';
import {
  CreateCouncilRequest,
  DeleteCouncilRequest,
  DeliberateRequest,
  DeriveSubtasksRequest,
  GetDeliberationResultRequest,
  GetMetricsRequest,
  GetStatusRequest,
  GetTaskContextRequest,
  ListCouncilsRequest,
  OrchestrateRequest,
  OrchestratorServiceClient,
  OrchestratorServiceService,
  PlanningEventRequest,
  RegisterAgentRequest,
  UnregisterAgentRequest,
  type DeepPartial,
  type DeliberationUpdate,
  type MessageFns,
} from '../../proto/gen/fleet/orchestrator/v1/orchestrator.js';
import { HealthCheckResponse_ServingStatus, HealthClient } from '../../proto/gen/grpc/health/v1/health.js';

type Service = typeof OrchestratorServiceService;
type UnaryName = { [K in keyof Service]: Service[K]['responseStream'] extends false ? K : never }[keyof Service];
type RequestOf<K extends keyof Service> = Parameters<Service[K]['requestSerialize']>[0];
type ResponseOf<K extends keyof Service> = ReturnType<Service[K]['responseDeserialize']>;

/** Every unary rpc as a promise; requests are partial (unset fields take their proto defaults). */
export type UnaryCalls = {
  readonly [K in UnaryName]: (request?: DeepPartial<RequestOf<K>>, options?: CallOptions) => Promise<ResponseOf<K>>;
};

const REQUESTS: { readonly [K in UnaryName]: MessageFns<RequestOf<K>> } = {
  deliberate: DeliberateRequest,
  deliberateForBacklogReview: DeliberateRequest,
  orchestrate: OrchestrateRequest,
  getDeliberationResult: GetDeliberationResultRequest,
  createCouncil: CreateCouncilRequest,
  listCouncils: ListCouncilsRequest,
  deleteCouncil: DeleteCouncilRequest,
  registerAgent: RegisterAgentRequest,
  unregisterAgent: UnregisterAgentRequest,
  getStatus: GetStatusRequest,
  getMetrics: GetMetricsRequest,
  deriveSubtasks: DeriveSubtasksRequest,
  getTaskContext: GetTaskContextRequest,
  processPlanningEvent: PlanningEventRequest,
};

export interface FleetGrpcClient extends UnaryCalls {
  /** The generated client, for anything the wrappers do not cover. */
  readonly raw: OrchestratorServiceClient;
  readonly healthClient: HealthClient;
  streamDeliberation(request: DeepPartial<DeliberateRequest>, options?: CallOptions): ClientReadableStream<DeliberationUpdate>;
  /** The health status of `service` ("" = the whole server) as its enum name: SERVING, NOT_SERVING, ... */
  health(service?: string): Promise<string>;
  close(): void;
}

export interface ConnectOptions {
  /** Sent as `authorization: Bearer <token>` on every call. */
  readonly token?: string;
  /** Speak TLS, trusting this PEM root (the daemon's self-signed certificate); plaintext without it. */
  readonly rootCert?: Buffer;
}

/** A typed client for the daemon's gRPC API: plaintext by default (the daemon listens on loopback). */
export function connectFleetClient(address: string, options: ConnectOptions = {}): FleetGrpcClient {
  const channel = options.rootCert === undefined ? credentials.createInsecure() : credentials.createSsl(options.rootCert);
  const interceptors = options.token === undefined ? [] : [bearer(options.token)];
  const raw = new OrchestratorServiceClient(address, channel, { interceptors });
  const healthClient = new HealthClient(address, channel, { interceptors });

  const unary = Object.fromEntries(
    (Object.keys(REQUESTS) as UnaryName[]).map((name) => {
      const method = OrchestratorServiceService[name];
      const fns = REQUESTS[name] as MessageFns<unknown>;
      const call = (request: unknown = {}, options: CallOptions = {}): Promise<unknown> =>
        new Promise((resolve, reject) => {
          raw.makeUnaryRequest(
            method.path,
            (value: unknown) => Buffer.from(fns.encode(value).finish()),
            (bytes: Buffer) => method.responseDeserialize(bytes),
            fns.fromPartial(request as never),
            new Metadata(),
            options,
            (error: ServiceError | null, response?: unknown) => (error === null ? resolve(response) : reject(error)),
          );
        });
      return [name, call];
    }),
  ) as unknown as UnaryCalls;

  return {
    ...unary,
    raw,
    healthClient,
    streamDeliberation: (request, options = {}) => raw.streamDeliberation(DeliberateRequest.fromPartial(request), new Metadata(), options),
    health: (service = '') =>
      new Promise((resolve, reject) => {
        healthClient.check({ service }, (error, response) =>
          error === null ? resolve(HealthCheckResponse_ServingStatus[response.status]) : reject(error),
        );
      }),
    close() {
      raw.close();
      healthClient.close();
    },
  };
}

/** Adds the token to every call's metadata (works over plaintext too, unlike call credentials). */
const bearer =
  (token: string): Interceptor =>
  (options, nextCall) =>
    new InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        metadata.set('authorization', `Bearer ${token}`);
        next(metadata, listener);
      },
    });

/** Reads a server stream to its end. Rejects with the stream's error status, if any. */
export function collectStream<T>(stream: ClientReadableStream<T>): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const items: T[] = [];
    stream.on('data', (item: T) => items.push(item));
    stream.on('error', reject);
    stream.on('end', () => resolve(items));
  });
}

/** A deadline `ms` from now, for CallOptions. */
export const deadlineIn = (ms: number): Date => new Date(Date.now() + ms);
