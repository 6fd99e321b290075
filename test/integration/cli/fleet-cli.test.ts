import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { runFleet, tempDataDir } from '../../support/fleet-process.js';

// The `fleet` command as a user runs it: a real child process, real llama.cpp on the tiny model.

describe('fleet CLI', () => {
  const dataDir = tempDataDir();

  it('deliberates and prints the deliberation as one snake_case JSON object', async () => {
    const run = await runFleet([
      'deliberate',
      '--data-dir',
      dataDir,
      '--model',
      'tiny',
      '--role',
      'DEV',
      '--agents',
      '2',
      '--rounds',
      '1',
      '--task-id',
      'cli-1',
      '--json',
      'Add rate limiting to the login endpoint',
    ]);
    expect(run.stderr).toContain('── propose');
    expect(run.code).toBe(0);
    const d = JSON.parse(run.stdout) as Record<string, any>;
    // The same message GetDeliberationResult answers, in JSON with the .proto's field names.
    expect(d).toMatchObject({
      task_id: 'cli-1',
      status: 'DELIBERATION_STATUS_COMPLETED',
      winner_id: expect.any(String),
      duration_ms: expect.any(Number),
      error_message: '',
      metadata: { execution_id: 'cli-1', orchestrator_version: expect.any(String), tags: { role: 'DEV', num_agents: '2' } },
      detail: { role: 'DEV', rounds: 1, task: { description: 'Add rate limiting to the login endpoint' }, timings: expect.any(Array) },
    });
    expect(d.results).toHaveLength(2);
    expect(d.results.map((r: any) => r.rank)).toEqual([1, 2]);
    expect(d.winner_id).toBe(d.results[0].proposal.author_id);
    for (const r of d.results) {
      expect(r.proposal).toMatchObject({ author_id: expect.stringMatching(/^dev-/), content: expect.any(String) });
      expect(r.proposal.revisions).toEqual([r.proposal.content]);
      expect(r.proposal.revision_history[0].critique.reviewer_id).toMatch(/^dev-/);
      expect(typeof r.score).toBe('number');
      expect(r.checks.additional_checks.map((c: any) => c.check_type)).toEqual([
        'requirements_addressed',
        'sections_present',
        'length_bounds',
      ]);
      expect(r.checks.policy).toMatchObject({ passed: expect.any(Boolean), message: expect.stringContaining('policy checks') });
    }

    // Stored: `fleet result` shows the same deliberation, `fleet councils` the five default councils.
    const stored = await runFleet(['result', '--data-dir', dataDir, '--json', 'cli-1']);
    expect(stored.code).toBe(0);
    expect(JSON.parse(stored.stdout)).toEqual(d);
    const councils = await runFleet(['councils', '--data-dir', dataDir, '--json']);
    expect((JSON.parse(councils.stdout) as Array<{ role: string }>).map((c) => c.role).sort()).toEqual([
      'ARCHITECT',
      'DATA',
      'DEV',
      'DEVOPS',
      'QA',
    ]);
  });

  it('prints a ranked table with the winner', async () => {
    const run = await runFleet([
      'deliberate',
      '--data-dir',
      dataDir,
      '--model',
      'tiny',
      '--role',
      'QA',
      '--agents',
      '3',
      '--rounds',
      '0',
      'Test plan for the login limiter',
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Rank\s+Agent\s+Score/);
    expect(run.stdout).toMatch(/^1\s+qa-\d/m);
    expect(run.stdout).toMatch(/Winner: qa-\d/);
  });

  it.each([
    [['--agents', '9', 'task'], '--agents'],
    [['--rounds', '7', 'task'], '--rounds'],
    [['--role', 'CEO', 'task'], '--role'],
    [['--role', 'DEV', '   '], 'task'],
  ])('exits 2 on bad input %j, naming the field', async (args, field) => {
    const base = args.includes('--role') ? [] : ['--role', 'DEV'];
    const run = await runFleet(['deliberate', '--data-dir', dataDir, '--model', 'tiny', ...base, ...args]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(field);
  });

  it("refuses up front a task the model's context cannot hold, saying how many tokens it needs and has", async () => {
    const description = `Design the rate limiter. ${'Consider every endpoint and its failure modes in detail. '.repeat(340)}`;
    const run = await runFleet([
      'deliberate',
      '--data-dir',
      dataDir,
      '--model',
      'tiny',
      '--role',
      'DEV',
      '--task-id',
      'too-long',
      description,
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/the task does not fit the model: a proposal needs (\d+) tokens \((\d+) of prompt.*and tiny holds (\d+)/);
    const [, needed, , holds] = /needs (\d+) tokens \((\d+) of prompt.*holds (\d+)/.exec(run.stderr)!;
    expect(Number(needed)).toBeGreaterThan(Number(holds));
    // Refused before it started: nothing was recorded.
    expect((await runFleet(['result', '--data-dir', dataDir, 'too-long'])).code).toBe(3);
    // Past the documented maximum it is the description's length that is refused, by name.
    const tooBig = await runFleet(['deliberate', '--data-dir', dataDir, '--model', 'tiny', '--role', 'DEV', 'x'.repeat(20_001)]);
    expect(tooBig.code).toBe(2);
    expect(tooBig.stderr).toContain('task: expected at most 20000 characters');
  });

  it('exits 3 for an unknown task id and 2 for a missing model file', async () => {
    const missing = await runFleet(['result', '--data-dir', dataDir, 'nope']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('nope');
    const badModel = await runFleet(['deliberate', '--data-dir', dataDir, '--model', '/no/such/model.gguf', '--role', 'DEV', 'task']);
    expect(badModel.code).toBe(2);
    expect(badModel.stderr).toContain('model');
  });

  it('exits 2 naming <file> when the corrected event for `fleet dlq republish` cannot be read', async () => {
    const run = await runFleet(['dlq', 'republish', '1', join(dataDir, 'no-such-fix.json'), '--data-dir', dataDir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('<file>: cannot read');
  });
});
