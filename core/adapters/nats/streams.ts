import {
  DiscardPolicy,
  type JetStreamManager,
  JetStreamApiError,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { FleetError } from '../../domain/errors.js';

export const STREAM = {
  PLANNING_EVENTS: 'PLANNING_EVENTS',
  AGENT_REQUESTS: 'AGENT_REQUESTS',
  AGENT_RESPONSES: 'AGENT_RESPONSES',
  CONTEXT: 'CONTEXT',
  ORCHESTRATOR_EVENTS: 'ORCHESTRATOR_EVENTS',
  DEAD_LETTER: 'DEAD_LETTER',
} as const;
export type StreamName = (typeof STREAM)[keyof typeof STREAM];

export interface StreamSpec {
  readonly name: StreamName;
  readonly subjects: readonly string[];
  readonly description: string;
  /** On a cluster; 0: kept until removed, wherever it runs. A workstation caps it (StreamLimits). */
  readonly maxAgeMs: number;
  /** A publish repeating a Nats-Msg-Id seen within this window is acknowledged but not stored again. */
  readonly duplicateWindowMs: number;
  /** What a full stream does: drop its oldest messages, or refuse new ones. */
  readonly discard: 'old' | 'new';
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const GIB = 1024 ** 3;

// Only 2.9-era stream settings: the v3 client refuses 2.10+ ones (metadata, subject transforms,
// compression) against the 2.9 server Debian ships.
export const STREAM_SPECS: readonly StreamSpec[] = [
  {
    name: STREAM.PLANNING_EVENTS,
    subjects: ['planning.>'],
    description: 'Planning events that start deliberations (planning.plan.approved)',
    maxAgeMs: 30 * DAY,
    // Rare and precious: a day-long window catches a planner re-sending an event after its own restart.
    duplicateWindowMs: DAY,
    discard: 'old',
  },
  {
    name: STREAM.AGENT_REQUESTS,
    subjects: ['agent.request.>'],
    description: 'Agent turns (propose, critique, revise, score) for workers',
    maxAgeMs: 7 * DAY,
    duplicateWindowMs: 2 * MINUTE,
    discard: 'old',
  },
  {
    name: STREAM.AGENT_RESPONSES,
    subjects: ['agent.response.>'],
    description: "Agent workers' results and per-agent outcomes",
    maxAgeMs: 7 * DAY,
    duplicateWindowMs: 2 * MINUTE,
    discard: 'old',
  },
  {
    name: STREAM.CONTEXT,
    subjects: ['context.>'],
    description: 'Context shared with deliberations',
    maxAgeMs: 7 * DAY,
    duplicateWindowMs: 2 * MINUTE,
    discard: 'old',
  },
  {
    name: STREAM.ORCHESTRATOR_EVENTS,
    subjects: ['orchestration.>'],
    description: 'Deliberation lifecycle: started, progress, completed, failed',
    maxAgeMs: 7 * DAY,
    duplicateWindowMs: 2 * MINUTE,
    discard: 'old',
  },
  {
    name: STREAM.DEAD_LETTER,
    subjects: ['dlq.>'],
    description: 'Events that could not be processed, with the reason and the original bytes',
    // Never aged out, and a full store refuses new dead letters (the consumer then retries) rather than
    // deleting old ones: a dead letter is the only copy of what was wrong.
    maxAgeMs: 0,
    duplicateWindowMs: DAY,
    discard: 'new',
  },
];

/** How much each stream may keep: sized for the machine the server runs on. */
export interface StreamLimits {
  /** The most one stream keeps on disk. */
  readonly maxBytesPerStream: number;
  /** Messages older than this are removed, where the stream's own age is longer (dead letters stay). */
  readonly maxAgeMs: number;
}

/** A cluster's NATS: 1 GiB per stream, each stream's own age (30 days of planning events, 7 of the rest). */
export const CLUSTER_STREAM_LIMITS: StreamLimits = { maxBytesPerStream: GIB, maxAgeMs: 30 * DAY };

/**
 * A workstation's embedded NATS: `storeBytes` (the server's max_file_store too) shared equally by the
 * streams, so that their reservations always fit it.
 */
export const workstationStreamLimits = (storeBytes: number, maxAgeMs: number): StreamLimits => ({
  maxBytesPerStream: Math.floor(storeBytes / STREAM_SPECS.length),
  maxAgeMs,
});

export interface EnsureStreamsOptions {
  /** Replicas per stream on a clustered external NATS. Default 1. */
  readonly replicas?: number;
  /**
   * Given (the daemon, which owns the server or attaches as the cluster's orchestrator): streams are
   * created with these limits and existing ones brought back to them. Not given (a worker, which does
   * not know the machine the server runs on): missing streams are created with CLUSTER_STREAM_LIMITS
   * and existing ones left as their owner set them.
   */
  readonly limits?: StreamLimits;
}

/**
 * Creates the fleet's streams, or brings their settings back to these. Idempotent and safe to run from
 * several processes at once (the daemon and remote workers all run it when they connect).
 * Throws FleetError FAILED_PRECONDITION when a stream cannot take this shape (another stream already
 * captures its subjects, or it was created with other storage, or the server has no room for its
 * limits) and UNAVAILABLE when JetStream is off.
 */
export async function ensureStreams(nc: NatsConnection, options: EnsureStreamsOptions = {}): Promise<void> {
  let jsm: JetStreamManager;
  try {
    jsm = await jetstreamManager(nc);
  } catch (e) {
    throw new FleetError('UNAVAILABLE', `JetStream is not available on this NATS server: ${(e as Error).message}`, { cause: e });
  }
  const limits = options.limits ?? CLUSTER_STREAM_LIMITS;
  for (const spec of STREAM_SPECS) {
    await ensureStream(jsm, streamConfig(spec, options.replicas ?? 1, limits), spec, options.limits !== undefined);
  }
}

async function ensureStream(jsm: JetStreamManager, config: StreamConfigOf, spec: StreamSpec, owner: boolean): Promise<void> {
  // Asked first rather than created blindly: the server weighs a create against its free reservations
  // before it sees that the stream exists, so a store whose streams fill the budget (a workstation's)
  // would refuse even an identical create.
  if (!(await exists(jsm, spec))) {
    try {
      await jsm.streams.add(config);
      return;
    } catch (e) {
      // Another process (a worker, a second daemon's attempt) created it meanwhile.
      if (!(e instanceof JetStreamApiError) || e.code !== STREAM_NAME_IN_USE) throw streamError(spec, e);
    }
  }
  if (!owner) return;
  try {
    await jsm.streams.update(spec.name, config);
  } catch (e) {
    throw streamError(spec, e);
  }
}

async function exists(jsm: JetStreamManager, spec: StreamSpec): Promise<boolean> {
  try {
    await jsm.streams.info(spec.name);
    return true;
  } catch (e) {
    if (e instanceof JetStreamApiError && e.code === STREAM_NOT_FOUND) return false;
    throw streamError(spec, e);
  }
}

/** Server error codes: a stream of that name exists with another configuration; no stream of that name. */
const STREAM_NAME_IN_USE = 10058;
const STREAM_NOT_FOUND = 10059;

type StreamConfigOf = Partial<StreamConfig> & { name: string };

/** The settings a stream gets under these limits. */
export function streamConfig(spec: StreamSpec, replicas: number, limits: StreamLimits): StreamConfigOf {
  const maxAgeMs = spec.maxAgeMs === 0 ? 0 : Math.min(spec.maxAgeMs, limits.maxAgeMs);
  return {
    name: spec.name,
    subjects: [...spec.subjects],
    description: spec.description,
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    num_replicas: replicas,
    max_age: nanos(maxAgeMs),
    // The server refuses a duplicate window longer than the stream keeps its messages.
    duplicate_window: nanos(maxAgeMs === 0 ? spec.duplicateWindowMs : Math.min(spec.duplicateWindowMs, maxAgeMs)),
    max_bytes: limits.maxBytesPerStream,
    discard: spec.discard === 'old' ? DiscardPolicy.Old : DiscardPolicy.New,
  };
}

function streamError(spec: StreamSpec, e: unknown): FleetError {
  const message = e instanceof Error ? e.message : String(e);
  const code = e instanceof JetStreamApiError ? 'FAILED_PRECONDITION' : 'UNAVAILABLE';
  return new FleetError(code, `stream ${spec.name} (${spec.subjects.join(', ')}) cannot be set up: ${message}`, { cause: e });
}
