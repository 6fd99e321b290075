import { jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import {
  CLUSTER_STREAM_LIMITS,
  ensureStreams,
  STREAM_SPECS,
  streamConfig,
  workstationStreamLimits,
} from '../../../core/adapters/nats/streams.js';
import { FleetError } from '../../../core/domain/errors.js';
import { useNatsServer } from './nats-fixture.js';

const nats = useNatsServer();

describe('fleet streams', () => {
  it('are created at connect, as file-backed LIMITS streams with duplicate windows, and again without harm', async () => {
    const nc = await nats().connect(); // runs ensureStreams
    await ensureStreams(nc);
    await ensureStreams(nc);
    const jsm = await jetstreamManager(nc);
    const names: string[] = [];
    for await (const info of jsm.streams.list()) names.push(info.config.name);
    expect(names.sort()).toEqual(['AGENT_REQUESTS', 'AGENT_RESPONSES', 'CONTEXT', 'DEAD_LETTER', 'ORCHESTRATOR_EVENTS', 'PLANNING_EVENTS']);
    for (const spec of STREAM_SPECS) {
      const { config } = await jsm.streams.info(spec.name);
      expect(config).toMatchObject({
        subjects: spec.subjects,
        retention: RetentionPolicy.Limits,
        storage: StorageType.File,
        duplicate_window: nanos(spec.duplicateWindowMs),
      });
    }
  });

  it('puts back settings that drifted when its caller owns them, and leaves them to their owner otherwise', async () => {
    const nc = await nats().connect();
    const jsm = await jetstreamManager(nc);
    const { config } = await jsm.streams.info('CONTEXT');
    await jsm.streams.update('CONTEXT', { ...config, max_bytes: 10_000 });
    // A worker: it does not know the machine the server runs on.
    await ensureStreams(nc);
    expect((await jsm.streams.info('CONTEXT')).config.max_bytes).toBe(10_000);
    await ensureStreams(nc, { limits: CLUSTER_STREAM_LIMITS });
    expect((await jsm.streams.info('CONTEXT')).config.max_bytes).toBe(CLUSTER_STREAM_LIMITS.maxBytesPerStream);
  });

  it("takes a workstation's limits: its store shared by the streams, ages capped, dead letters kept", async () => {
    const nc = await nats().connect({ ensureStreams: false });
    const limits = workstationStreamLimits(96 * 1024 * 1024, 3_600_000);
    await ensureStreams(nc, { limits });
    const jsm = await jetstreamManager(nc);
    for (const spec of STREAM_SPECS) {
      const { config } = await jsm.streams.info(spec.name);
      expect(config.max_bytes).toBe(16 * 1024 * 1024);
      expect(config.max_age).toBe(spec.name === 'DEAD_LETTER' ? 0 : nanos(3_600_000));
      // No longer than the stream keeps its messages: the server refuses that.
      expect(config.duplicate_window).toBe(streamConfig(spec, 1, limits).duplicate_window);
      expect(config.duplicate_window).toBeLessThanOrEqual(nanos(spec.name === 'DEAD_LETTER' ? spec.duplicateWindowMs : 3_600_000));
    }
  });

  it('reports a stream that cannot take its shape as FAILED_PRECONDITION naming it', async () => {
    const nc = await nats().connect({ ensureStreams: false });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'SOMEONE_ELSES', subjects: ['planning.>'] });
    const error = await ensureStreams(nc).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FleetError);
    expect((error as FleetError).code).toBe('FAILED_PRECONDITION');
    expect((error as FleetError).message).toMatch(/^stream PLANNING_EVENTS \(planning\.>\) cannot be set up: .*overlap/);
  });
});
