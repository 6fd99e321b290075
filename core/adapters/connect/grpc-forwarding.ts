import { type DescMethod, type DescService, fromBinary, toBinary } from '@bufbuild/protobuf';
import { Code, type ConnectRouter, ConnectError, type HandlerContext } from '@connectrpc/connect';
import { Client, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';

/**
 * Every rpc of `services`, answered by the daemon's own gRPC server: the browser's Connect call is
 * passed on as its protobuf bytes and the answer passed back, so there is one implementation of each
 * rpc (the gRPC handlers) and no per-rpc code here. Adding an rpc to the .proto adds it to the UI.
 */
export function forwardTo(target: string, grpcToken: string | undefined, services: readonly DescService[]) {
  const client = new Client(target, credentials.createInsecure());
  const bytes = (b: Buffer): Buffer => b;
  const metadataFor = (): Metadata => {
    const metadata = new Metadata();
    if (grpcToken !== undefined) metadata.set('authorization', `Bearer ${grpcToken}`);
    return metadata;
  };

  const unary = (method: DescMethod) => (request: unknown, context: HandlerContext) =>
    new Promise<unknown>((resolve, reject) => {
      const call = client.makeUnaryRequest(
        pathOf(method),
        bytes,
        bytes,
        Buffer.from(toBinary(method.input, request as never)),
        metadataFor(),
        (error, answer) => {
          context.signal.removeEventListener('abort', cancel);
          if (error !== null || answer === undefined) reject(toConnectError(error));
          else resolve(fromBinary(method.output, answer));
        },
      );
      const cancel = (): void => call.cancel();
      context.signal.addEventListener('abort', cancel, { once: true });
    });

  async function* serverStream(method: DescMethod, request: unknown, context: HandlerContext): AsyncGenerator<unknown> {
    const call = client.makeServerStreamRequest(
      pathOf(method),
      bytes,
      bytes,
      Buffer.from(toBinary(method.input, request as never)),
      metadataFor(),
    );
    const cancel = (): void => call.cancel();
    context.signal.addEventListener('abort', cancel, { once: true });
    try {
      for await (const answer of call as AsyncIterable<Buffer>) yield fromBinary(method.output, answer);
    } catch (error) {
      throw toConnectError(error as ServiceError);
    } finally {
      context.signal.removeEventListener('abort', cancel);
      call.cancel();
    }
  }

  return {
    routes(router: ConnectRouter): void {
      for (const service of services) {
        for (const method of service.methods) {
          if (method.methodKind === 'unary') router.rpc(method, unary(method) as never);
          else if (method.methodKind === 'server_streaming')
            router.rpc(method, ((req: unknown, ctx: HandlerContext) => serverStream(method, req, ctx)) as never);
        }
      }
    },
    close: (): void => client.close(),
  };
}

const pathOf = (method: DescMethod): string => `/${method.parent.typeName}/${method.name}`;

// gRPC and Connect number their status codes alike.
function toConnectError(error: ServiceError | null): ConnectError {
  if (error === null) return new ConnectError('the daemon answered nothing', Code.Internal);
  const code: number = error.code;
  return new ConnectError(error.details, code > 0 && code <= 16 ? code : Code.Unknown);
}
