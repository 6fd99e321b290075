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
  /** 0: kept until removed. */
  readonly maxAgeMs: number;
  /** A publish repeating a Nats-Msg-Id seen within this window is acknowledged but not stored again. */
  readonly duplicateWindowMs: number;
  readonly maxBytes: number;
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
    maxBytes: GIB,
    discard: 'old',
  },
  {
    name: STREAM.AGENT_REQUESTS,
    subjects: ['agent.request.>'],
    description: 'Agent turns (propose, critique, revise, score) for workers',
    maxAgeMs: 7 * DAY,
    duplicateWindowMs: 2 * MINUTE,
    maxBytes: GIB,
    discard: 'old',
  },
  {
    name: STREAM.AGENT_RESPONSES,
    subjects: ['agent.response.>'],
    description: "Agent workers' results and per-agent outcomes",
    maxAgeMs: 7 * DAY,
    duplicateWindowMs: 2 * MINUTE,
    maxBytes: GIB,
    discard: 'old',
  },
  {
    name: STREAM.CONTEXT,
    subjects: ['context.>'],
    description: 'Context shared with deliberations',
    maxAgeMs: 7 * DAY,
    duplicateWindowMs: 2 * MINUTE,
    maxBytes: GIB,
    discard: 'old',
  },
  {
    name: STREAM.ORCHESTRATOR_EVENTS,
    subjects: ['orchestration.>'],
    description: 'Deliberation lifecycle: started, progress, completed, failed',
    maxAgeMs: 7 * DAY,
    duplicateWindowMs: 2 * MINUTE,
    maxBytes: GIB,
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
    maxBytes: GIB,
    discard: 'new',
  },
];

export interface EnsureStreamsOptions {
  /** Replicas per stream on a clustered external NATS. Default 1. */
  readonly replicas?: number;
}

/**
 * Creates the fleet's streams, or brings their settings back to these. Idempotent and safe to run from
 * several processes at once (the daemon and remote workers all run it when they connect).
 * Throws FleetError FAILED_PRECONDITION when a stream cannot take this shape (another stream already
 * captures its subjects, or it was created with other storage) and UNAVAILABLE when JetStream is off.
 */
export async function ensureStreams(nc: NatsConnection, options: EnsureStreamsOptions = {}): Promise<void> {
  let jsm: JetStreamManager;
  try {
    jsm = await jetstreamManager(nc);
  } catch (e) {
    throw new FleetError('UNAVAILABLE', `JetStream is not available on this NATS server: ${(e as Error).message}`, { cause: e });
  }
  for (const spec of STREAM_SPECS) await ensureStream(jsm, spec, options.replicas ?? 1);
}

async function ensureStream(jsm: JetStreamManager, spec: StreamSpec, replicas: number): Promise<void> {
  const config = streamConfig(spec, replicas);
  try {
    // The server answers an identical create with the existing stream.
    await jsm.streams.add(config);
    return;
  } catch (e) {
    if (!(e instanceof JetStreamApiError) || e.code !== STREAM_NAME_IN_USE) throw streamError(spec, e);
  }
  try {
    await jsm.streams.update(spec.name, config);
  } catch (e) {
    throw streamError(spec, e);
  }
}

/** Server error code: a stream of that name exists with another configuration. */
const STREAM_NAME_IN_USE = 10058;

function streamConfig(spec: StreamSpec, replicas: number): Partial<StreamConfig> & { name: string } {
  return {
    name: spec.name,
    subjects: [...spec.subjects],
    description: spec.description,
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    num_replicas: replicas,
    max_age: nanos(spec.maxAgeMs),
    duplicate_window: nanos(spec.duplicateWindowMs),
    max_bytes: spec.maxBytes,
    discard: spec.discard === 'old' ? DiscardPolicy.Old : DiscardPolicy.New,
  };
}

function streamError(spec: StreamSpec, e: unknown): FleetError {
  const message = e instanceof Error ? e.message : String(e);
  const code = e instanceof JetStreamApiError ? 'FAILED_PRECONDITION' : 'UNAVAILABLE';
  return new FleetError(code, `stream ${spec.name} (${spec.subjects.join(', ')}) cannot be set up: ${message}`, { cause: e });
}
