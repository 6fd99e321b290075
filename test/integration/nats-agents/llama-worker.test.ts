import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLlamaLanguageModel, type LlamaLanguageModel } from '../../../core/adapters/llama/llama-language-model.js';
import { resolveModel } from '../../../core/adapters/llama/model-resolution.js';
import { createLocalAgentTurns } from '../../../core/app/turns/local-agent-turns.js';
import { useNatsServer } from '../nats/nats-fixture.js';
import { fleetOn, useAgentTurns } from './agent-fixture.js';

// The worker's side for real: llama.cpp on the tiny model behind createLocalAgentTurns, reached only
// through NATS. The turns a worker holds at once must reach the model together so they decode as one batch.

const nats = useNatsServer();
const agents = useAgentTurns();

describe('an agent worker on real llama.cpp (tiny model)', () => {
  let model: LlamaLanguageModel;
  beforeAll(async () => {
    const resolved = await resolveModel('tiny', { modelsDir: join(tmpdir(), 'swe-fleet-test-models') });
    model = await createLlamaLanguageModel({ modelPath: resolved.path, name: resolved.name, gpu: false });
  });
  afterAll(async () => {
    await model?.close();
  });

  it('deliberates through NATS: COMPLETED, ranked, the agents decoded together', async () => {
    const [orchestrator, workerNc] = [await nats().connect(), await nats().connect()];
    const { activity } = await agents.worker(workerNc, createLocalAgentTurns(model), { concurrency: 8 });
    const fleet = await fleetOn(agents.requester(orchestrator));

    const d = await fleet.deliberations.deliberate({
      taskId: 'llama-over-nats',
      description: 'Add rate limiting to the login endpoint',
      role: 'DEV',
      requirements: ['Failed login attempts must be logged'],
      numAgents: 3,
      rounds: 1,
      maxTokens: 96,
    });

    expect(d.status).toBe('COMPLETED');
    expect(d.results.map((r) => r.rank)).toEqual([1, 2, 3]);
    expect(d.winnerId).toBe(d.results[0]!.proposal.authorId);
    for (const r of d.results) {
      expect(r.proposal.raw.trimStart().startsWith('{')).toBe(true);
      expect(r.judgment.criteria).toHaveLength(4);
    }
    expect(activity.filter((a) => a.type === 'started')).toHaveLength(12);
    expect(model.stats().maxStepWidth).toBeGreaterThanOrEqual(3);
  });
});
