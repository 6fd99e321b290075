import { type CallOptions, credentials, Client, Metadata, type ServiceError } from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { type ContractMessage, type ContractPackage, loadClusterContract } from './cluster-contract.js';

// A client of a cluster service (the orchestrator unless told otherwise) built from
// proto/cluster-contract.json alone: no .proto or generated code of ours is involved, so what it
// decodes is what a cluster client would see, and it calls each rpc by the cluster's full name.

/** A cluster service by its package and name, as the contract lists them. */
export interface ClusterService {
  readonly package: string;
  readonly service: string;
}

const ORCHESTRATOR: ClusterService = { package: 'fleet.orchestrator.v1', service: 'OrchestratorService' };

type Json = Record<string, unknown>;

function protobufType(message: ContractMessage): protobuf.Type {
  const type = new protobuf.Type(message.name);
  for (const f of message.fields) {
    const map = /^map<(\w+),(\w+)>$/.exec(f.type);
    type.add(
      map === null
        ? new protobuf.Field(f.name, f.number, f.type, f.repeated ? 'repeated' : undefined)
        : new protobuf.MapField(f.name, f.number, map[1]!, map[2]!),
    );
  }
  return type;
}

function buildRoot(pkg: ContractPackage): protobuf.Root {
  const root = new protobuf.Root();
  const ns = root.define(pkg.package);
  for (const m of pkg.messages) ns.add(protobufType(m));
  for (const e of pkg.enums) ns.add(new protobuf.Enum(e.name, Object.fromEntries(e.values.map((v) => [v.name, v.number]))));
  root.resolveAll();
  return root;
}

export interface ClusterClient {
  /** Calls a unary rpc by its cluster name with a plain object (snake_case field names) and gets one back. */
  unary(rpc: string, request: Json, options?: CallOptions): Promise<Json>;
  /** A server-streaming rpc read to its end. */
  stream(rpc: string, request: Json): Promise<Json[]>;
  close(): void;
}

export function connectClusterClient(address: string, target: ClusterService = ORCHESTRATOR): ClusterClient {
  const { package: packageName, service: serviceName } = target;
  const pkg = loadClusterContract().find((p) => p.package === packageName);
  if (pkg === undefined) throw new Error(`the cluster contract has no package ${packageName}`);
  const root = buildRoot(pkg);
  const service = pkg.services.find((s) => s.name === serviceName);
  if (service === undefined) throw new Error(`the cluster's ${packageName} has no service ${serviceName}`);
  const client = new Client(address, credentials.createInsecure());
  const toObject = { enums: String, longs: Number, defaults: true, arrays: true, objects: false } as const;

  const method = (name: string) => {
    const rpc = service.rpcs.find((r) => r.name === name);
    if (rpc === undefined) throw new Error(`the cluster's ${serviceName} has no rpc ${name}`);
    const request = root.lookupType(`${packageName}.${rpc.request}`);
    const response = root.lookupType(`${packageName}.${rpc.response}`);
    return {
      path: `/${packageName}.${serviceName}/${name}`,
      serialize: (value: Json): Buffer => {
        const problem = request.verify(value);
        if (problem !== null) throw new Error(`${rpc.request}: ${problem}`);
        return Buffer.from(request.encode(request.fromObject(value)).finish());
      },
      // Decoding throws on bytes that do not fit the cluster's types, which is the failure this
      // client exists to catch.
      deserialize: (bytes: Buffer): Json => response.toObject(response.decode(bytes), toObject),
    };
  };

  return {
    unary(rpc, request, options = {}) {
      const m = method(rpc);
      return new Promise((resolve, reject) => {
        client.makeUnaryRequest(
          m.path,
          m.serialize,
          m.deserialize,
          request,
          new Metadata(),
          options,
          (error: ServiceError | null, value?: Json) => (error === null ? resolve(value!) : reject(error)),
        );
      });
    },
    stream(rpc, request) {
      const m = method(rpc);
      return new Promise((resolve, reject) => {
        const items: Json[] = [];
        const call = client.makeServerStreamRequest(m.path, m.serialize, m.deserialize, request, new Metadata(), {});
        call.on('data', (item: Json) => items.push(item));
        call.on('error', reject);
        call.on('end', () => resolve(items));
      });
    },
    close: () => client.close(),
  };
}
