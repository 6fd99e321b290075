import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

// The cluster's API as proto/cluster-contract.json records it, and our API as buf compiles it, in one
// vocabulary, so the two can be compared field by field.

export interface ContractField {
  readonly name: string;
  readonly number: number;
  /** A scalar (`string`, `int64`), a message or enum's simple name, or `map<K,V>`. */
  readonly type: string;
  readonly repeated: boolean;
  readonly optional: boolean;
}
export interface ContractMessage {
  readonly name: string;
  readonly fields: readonly ContractField[];
}
export interface ContractEnum {
  readonly name: string;
  readonly values: readonly { readonly name: string; readonly number: number }[];
}
export interface ContractRpc {
  readonly name: string;
  readonly request: string;
  readonly response: string;
  readonly server_streaming: boolean;
  readonly client_streaming: boolean;
}
export interface ContractService {
  readonly name: string;
  readonly rpcs: readonly ContractRpc[];
}
export interface ContractPackage {
  readonly package: string;
  readonly services: readonly ContractService[];
  readonly messages: readonly ContractMessage[];
  readonly enums: readonly ContractEnum[];
}

const REPO = path.resolve(import.meta.dirname, '../..');

export function loadClusterContract(file = path.join(REPO, 'proto/cluster-contract.json')): ContractPackage[] {
  const json = JSON.parse(readFileSync(file, 'utf8')) as { files: (ContractPackage & { enums?: ContractEnum[] })[] };
  return json.files.map((f) => ({ ...f, enums: f.enums ?? [] }));
}

// ---------- our side: buf's compiled image ----------

interface DescriptorField {
  name: string;
  number: number;
  label: 'LABEL_OPTIONAL' | 'LABEL_REPEATED' | 'LABEL_REQUIRED';
  type: string;
  typeName?: string;
  proto3Optional?: boolean;
}
interface DescriptorMessage {
  name: string;
  field?: DescriptorField[];
  nestedType?: DescriptorMessage[];
  enumType?: DescriptorEnum[];
  options?: { mapEntry?: boolean };
}
interface DescriptorEnum {
  name: string;
  value?: { name: string; number?: number }[];
}
interface DescriptorFile {
  package?: string;
  messageType?: DescriptorMessage[];
  enumType?: DescriptorEnum[];
  service?: {
    name: string;
    method?: { name: string; inputType: string; outputType: string; serverStreaming?: boolean; clientStreaming?: boolean }[];
  }[];
}

/** Compiles the .proto files of a buf module (default: this project's) and reads them as contract packages. */
export function loadProjectProtos(moduleRoot = REPO): ContractPackage[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'fleet-image-'));
  try {
    const image = path.join(dir, 'image.json');
    execFileSync(path.join(REPO, 'node_modules/.bin/buf'), ['build', '--exclude-source-info', '-o', image], {
      cwd: moduleRoot,
      stdio: 'pipe',
    });
    const files = (JSON.parse(readFileSync(image, 'utf8')) as { file: DescriptorFile[] }).file;
    return files.map(fromDescriptor);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const simpleName = (typeName: string): string => typeName.slice(typeName.lastIndexOf('.') + 1);

function fromDescriptor(file: DescriptorFile): ContractPackage {
  const messages: ContractMessage[] = [];
  const enums: ContractEnum[] = (file.enumType ?? []).map(fromEnum);
  const mapEntries = new Map<string, DescriptorMessage>();
  const collect = (m: DescriptorMessage, scope: string): void => {
    const full = `${scope}.${m.name}`;
    if (m.options?.mapEntry === true) mapEntries.set(full, m);
    for (const nested of m.nestedType ?? []) collect(nested, full);
  };
  for (const m of file.messageType ?? []) collect(m, `.${file.package ?? ''}`);

  const typeOf = (f: DescriptorField): string => {
    if (f.typeName === undefined) return f.type.replace(/^TYPE_/, '').toLowerCase();
    const entry = mapEntries.get(f.typeName);
    if (entry === undefined) return simpleName(f.typeName);
    const [key, value] = entry.field!;
    return `map<${typeOf(key!)},${typeOf(value!)}>`;
  };
  const add = (m: DescriptorMessage): void => {
    if (m.options?.mapEntry === true) return;
    messages.push({
      name: m.name,
      fields: (m.field ?? []).map((f) => {
        const type = typeOf(f);
        return {
          name: f.name,
          number: f.number,
          type,
          repeated: f.label === 'LABEL_REPEATED' && !type.startsWith('map<'),
          optional: f.proto3Optional === true,
        };
      }),
    });
    for (const nested of m.nestedType ?? []) add(nested);
    enums.push(...(m.enumType ?? []).map(fromEnum));
  };
  for (const m of file.messageType ?? []) add(m);
  return {
    package: file.package ?? '',
    messages,
    enums,
    services: (file.service ?? []).map((s) => ({
      name: s.name,
      rpcs: (s.method ?? []).map((r) => ({
        name: r.name,
        request: simpleName(r.inputType),
        response: simpleName(r.outputType),
        server_streaming: r.serverStreaming === true,
        client_streaming: r.clientStreaming === true,
      })),
    })),
  };
}

const fromEnum = (e: DescriptorEnum): ContractEnum => ({
  name: e.name,
  values: (e.value ?? []).map((v) => ({ name: v.name, number: v.number ?? 0 })),
});

// ---------- the comparison ----------

export interface ContractReport {
  /** Each a sentence naming the package, message or rpc, and what differs. */
  readonly conflicts: readonly string[];
  /** Cluster fields of the packages whose services we declare, and how many of them we define alike. */
  readonly clusterFields: number;
  readonly presentFields: number;
  /** Cluster fields we do not define, as `Message.field`. */
  readonly missing: readonly string[];
  /** The same counts for each package whose services we declare, in the contract's order. */
  readonly packages: readonly PackageCoverage[];
}

export interface PackageCoverage {
  readonly package: string;
  readonly clusterFields: number;
  readonly presentFields: number;
  /** Conflicts found in this package (each also in the report's conflicts). */
  readonly conflicts: number;
}

const describeField = (f: ContractField): string =>
  `${f.repeated ? 'repeated ' : ''}${f.optional ? 'optional ' : ''}${f.type} ${f.name} = ${f.number}`;

/**
 * Holds our packages to the cluster's: in every package both define, a message or enum of the
 * cluster's name keeps each cluster field's number, name, type, repeated and optional (a field of
 * ours under the cluster's number or name is a conflict), and each service of the cluster's name
 * has every cluster rpc with the same request, response and streaming.
 */
export function compareWithCluster(cluster: readonly ContractPackage[], ours: readonly ContractPackage[]): ContractReport {
  const conflicts: string[] = [];
  const missing: string[] = [];
  let clusterFields = 0;
  let presentFields = 0;
  const packages: PackageCoverage[] = [];
  for (const theirs of cluster) {
    const mine = ours.filter((p) => p.package === theirs.package);
    if (mine.length === 0) continue;
    const before = { clusterFields, presentFields, conflicts: conflicts.length };
    const messages = new Map(mine.flatMap((p) => p.messages.map((m) => [m.name, m] as const)));
    const enums = new Map(mine.flatMap((p) => p.enums.map((e) => [e.name, e] as const)));
    const services = new Map(mine.flatMap((p) => p.services.map((s) => [s.name, s] as const)));
    const where = (what: string): string => `${theirs.package}.${what}`;
    const declaresService = theirs.services.some((s) => services.has(s.name));

    for (const message of theirs.messages) {
      if (declaresService) clusterFields += message.fields.length;
      const own = messages.get(message.name);
      if (own === undefined) {
        if (declaresService) missing.push(...message.fields.map((f) => `${message.name}.${f.name}`));
        continue;
      }
      for (const field of message.fields) {
        const byNumber = own.fields.find((f) => f.number === field.number);
        const byName = own.fields.find((f) => f.name === field.name);
        if (byNumber === undefined && byName === undefined) {
          missing.push(`${message.name}.${field.name}`);
          continue;
        }
        const ownField = byNumber ?? byName!;
        const differs = (['name', 'number', 'type', 'repeated', 'optional'] as const).filter((k) => ownField[k] !== field[k]);
        if (byNumber !== undefined && byName !== undefined && byNumber !== byName) differs.push('number');
        if (differs.length === 0) {
          if (declaresService) presentFields++;
          continue;
        }
        conflicts.push(
          `${where(message.name)}: the cluster has "${describeField(field)}", we have "${describeField(ownField)}" (${[...new Set(differs)].join(', ')} differ)`,
        );
      }
    }

    for (const e of theirs.enums) {
      const own = enums.get(e.name);
      if (own === undefined) continue;
      for (const value of e.values) {
        const mineValue = own.values.find((v) => v.name === value.name) ?? own.values.find((v) => v.number === value.number);
        if (mineValue === undefined) conflicts.push(`${where(e.name)}: value ${value.name} = ${value.number} is missing`);
        else if (mineValue.name !== value.name || mineValue.number !== value.number) {
          conflicts.push(
            `${where(e.name)}: the cluster has ${value.name} = ${value.number}, we have ${mineValue.name} = ${mineValue.number}`,
          );
        }
      }
    }

    for (const service of theirs.services) {
      const own = services.get(service.name);
      if (own === undefined) continue;
      for (const rpc of service.rpcs) {
        const mineRpc = own.rpcs.find((r) => r.name === rpc.name);
        if (mineRpc === undefined) {
          conflicts.push(`${where(service.name)}: rpc ${rpc.name} is missing`);
          continue;
        }
        const differs = (['request', 'response', 'server_streaming', 'client_streaming'] as const).filter((k) => mineRpc[k] !== rpc[k]);
        if (differs.length > 0) {
          const shape = (r: ContractRpc): string =>
            `${r.client_streaming ? 'stream ' : ''}${r.request} -> ${r.server_streaming ? 'stream ' : ''}${r.response}`;
          conflicts.push(
            `${where(service.name)}.${rpc.name}: the cluster has ${shape(rpc)}, we have ${shape(mineRpc)} (${differs.join(', ')} differ)`,
          );
        }
      }
    }
    if (declaresService) {
      packages.push({
        package: theirs.package,
        clusterFields: clusterFields - before.clusterFields,
        presentFields: presentFields - before.presentFields,
        conflicts: conflicts.length - before.conflicts,
      });
    }
  }
  return { conflicts, clusterFields, presentFields, missing, packages };
}
