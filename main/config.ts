import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

import { z } from 'zod';

import { FleetError, invalidArgument } from '../core/domain/errors.js';

/**
 * One typed, validated configuration, built from defaults ← config file ← environment ← flags.
 * Every source is checked here, once; the rest of the program trusts the result.
 */

/** `default` means the product's default model (downloaded on first use, tiny model offline). */
export const DEFAULT_MODEL_SPEC = 'default';

/**
 * The embedded JetStream's disk budget: 16 MiB for each of the six streams. A deliberation of three
 * agents puts a few hundred KB across them (turn requests carry the task and proposals, replies the
 * outputs, progress events the rest), so a day's work on a workstation fits several times over; the
 * oldest messages go first when a stream is full. The daemon refuses to start only below this plus
 * room for the database and logs.
 */
export const DEFAULT_NATS_STORE_MB = 96;
/** Turn requests and replies matter for minutes, events for the day's monitoring; the records live in SQLite. */
export const DEFAULT_NATS_MAX_AGE_HOURS = 24;

const configSchema = z.object({
  dataDir: z.string().min(1),
  model: z.string().min(1),
  threads: z.number().int().min(1).max(256).optional(),
  llmUrl: z.url().optional(),
  llmModel: z.string().min(1).optional(),
  llmApiKey: z.string().optional(),
  /** External NATS (cluster mode); unset, the daemon runs its own embedded nats-server. */
  natsUrl: z
    .string()
    .regex(/^(nats|tls|ws|wss):\/\/./, 'a nats:// URL')
    .optional(),
  natsToken: z.string().min(1).optional(),
  /** Embedded NATS only: open its HTTP monitoring port (loopback, no authentication). Off unless asked for. */
  natsMonitoring: z.boolean().optional(),
  /**
   * Embedded NATS only: the disk JetStream may take, in MiB, shared equally by the six streams (each
   * drops its oldest messages when full, dead letters excepted). Attached to a cluster (`natsUrl`), the
   * cluster's own limits apply instead.
   */
  natsStoreMb: z
    .number()
    .int()
    .min(6)
    .max(1024 * 1024),
  /** Embedded NATS only: messages older than this many hours are removed (dead letters are kept). */
  natsMaxAgeHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 365),
  grpcHost: z.string().min(1),
  grpcPort: z.number().int().min(0).max(65535),
  /** The desktop UI's HTTP port (0: a free one, printed at start). */
  uiPort: z.number().int().min(0).max(65535),
  /** Loopback unless told otherwise (with --insecure: the UI is plain HTTP). */
  uiHost: z.string().min(1),
  /**
   * Every gRPC call must carry `authorization: Bearer <token>` (health checks excepted, for probes).
   * With TLS, what lets the API listen beyond loopback.
   */
  grpcToken: z
    .string()
    .min(16, 'a token of at least 16 characters')
    .regex(/^[\x21-\x7e]+$/, 'a token of printable ASCII without spaces')
    .optional(),
  /** PEM certificate (chain) and its private key: given both, the gRPC API is served over TLS. */
  grpcTlsCert: z.string().min(1).optional(),
  grpcTlsKey: z.string().min(1).optional(),
  /** Lets `model` be a plain http:// URL; a flag or the config file, never the environment. */
  allowInsecureDownload: z.boolean().optional(),
});
export type FleetConfig = z.infer<typeof configSchema>;
export type ConfigOverrides = Partial<FleetConfig>;

/** The platform's app-data folder: where a desktop app keeps its data. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'SWE Fleet');
  if (platform === 'win32') return join(env['APPDATA'] ?? join(homedir(), 'AppData', 'Roaming'), 'SWE Fleet');
  return join(env['XDG_DATA_HOME'] ?? join(homedir(), '.local', 'share'), 'swe-fleet');
}

const fileSchema = configSchema.partial().strict();
const ENV: ReadonlyArray<readonly [string, keyof FleetConfig, 'string' | 'int']> = [
  ['FLEET_DATA_DIR', 'dataDir', 'string'],
  ['FLEET_MODEL', 'model', 'string'],
  ['FLEET_THREADS', 'threads', 'int'],
  ['FLEET_LLM_URL', 'llmUrl', 'string'],
  ['FLEET_LLM_MODEL', 'llmModel', 'string'],
  ['FLEET_LLM_API_KEY', 'llmApiKey', 'string'],
  ['FLEET_NATS_URL', 'natsUrl', 'string'],
  ['FLEET_NATS_TOKEN', 'natsToken', 'string'],
  ['FLEET_NATS_STORE_MB', 'natsStoreMb', 'int'],
  ['FLEET_NATS_MAX_AGE_HOURS', 'natsMaxAgeHours', 'int'],
  ['FLEET_GRPC_HOST', 'grpcHost', 'string'],
  ['FLEET_GRPC_PORT', 'grpcPort', 'int'],
  ['FLEET_UI_PORT', 'uiPort', 'int'],
  ['FLEET_UI_HOST', 'uiHost', 'string'],
  ['FLEET_GRPC_TOKEN', 'grpcToken', 'string'],
  ['FLEET_GRPC_TLS_CERT', 'grpcTlsCert', 'string'],
  ['FLEET_GRPC_TLS_KEY', 'grpcTlsKey', 'string'],
];
/** Secrets are never quoted back in an error message. */
const SECRET_ENV = new Set(['FLEET_LLM_API_KEY', 'FLEET_NATS_TOKEN', 'FLEET_GRPC_TOKEN']);

function fromEnv(env: NodeJS.ProcessEnv): ConfigOverrides {
  const out: Record<string, unknown> = {};
  for (const [name, key, kind] of ENV) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    out[key] = kind === 'int' ? Number(raw) : raw;
  }
  const parsed = fileSchema.safeParse(out);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = ENV.find(([, key]) => key === issue.path[0])?.[0] ?? String(issue.path[0]);
    throw invalidArgument(name, expectation(issue), SECRET_ENV.has(name) ? undefined : env[name]);
  }
  return parsed.data;
}

function fromFile(path: string): ConfigOverrides {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return {};
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new FleetError('INVALID_ARGUMENT', `${path}: not valid JSON (${(e as Error).message})`, { field: 'config' });
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) throw fromIssue(parsed.error, `${path}: `);
  return parsed.data;
}

/** zod's "Invalid input: expected number, received string" as the "expected ..." part of our errors. */
const expectation = (issue: z.core.$ZodIssue): string =>
  issue.message.replace(/^(Invalid [a-z]+|Too big|Too small): /, '').replace(/^expected /, '');

function fromIssue(error: z.ZodError, prefix: string): FleetError {
  const issue = error.issues[0]!;
  const field = issue.path.join('.') || 'config';
  return invalidArgument(`${prefix}${field}`, expectation(issue));
}

export function loadConfig(flags: ConfigOverrides, env: NodeJS.ProcessEnv = process.env): FleetConfig {
  const defined = (o: ConfigOverrides): ConfigOverrides => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  const envValues = defined(fromEnv(env));
  const dataDir = flags.dataDir ?? envValues.dataDir ?? defaultDataDir(env);
  const merged = {
    dataDir,
    model: DEFAULT_MODEL_SPEC,
    grpcHost: '127.0.0.1',
    grpcPort: 50055,
    uiPort: 0,
    uiHost: '127.0.0.1',
    natsStoreMb: DEFAULT_NATS_STORE_MB,
    natsMaxAgeHours: DEFAULT_NATS_MAX_AGE_HOURS,
    ...defined(fromFile(join(dataDir, 'config.json'))),
    ...envValues,
    ...defined(flags),
  };
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    // The file and the environment were checked on their own: what is left came from a flag.
    const key = String(parsed.error.issues[0]!.path[0] ?? 'config');
    throw invalidArgument(`--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, expectation(parsed.error.issues[0]!));
  }
  return parsed.data;
}

/**
 * Keeps a model chosen in the app for the next start: written into the data folder's config file
 * (owner-only, it may hold the remote server's key). Flags and the environment still come first.
 */
export function saveModelChoice(
  dataDir: string,
  choice: { readonly model: string } | { readonly llmUrl: string; readonly llmModel?: string; readonly llmApiKey?: string },
): void {
  const path = join(dataDir, 'config.json');
  const { model: _model, llmUrl: _url, llmModel: _name, llmApiKey: _key, ...rest } = fromFile(path);
  writeFileSync(path, `${JSON.stringify({ ...rest, ...choice }, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}
