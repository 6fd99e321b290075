import { describe, expect, it } from 'vitest';

import { canTransition, type Deliberation, interrupted, transition } from '../../../core/domain/deliberation.js';
import { FleetError } from '../../../core/domain/errors.js';
import { checkAgentCount, checkDescription, checkRounds, parseRole } from '../../../core/domain/validation.js';

const base: Deliberation = {
  taskId: 't1',
  councilId: 'c1',
  role: 'DEV',
  task: { id: 't1', description: 'd', role: 'DEV', constraints: { rubric: ['q'], requirements: [], timeoutMs: 1000, maxTokens: 10 } },
  agents: [],
  rounds: 1,
  model: 'tiny',
  status: 'PENDING',
  results: [],
  failures: [],
  timings: [],
  createdAtMs: 1000,
};

describe('deliberation state machine', () => {
  it('allows the forward path and refuses leaving a terminal state', () => {
    expect(canTransition('PENDING', 'IN_PROGRESS')).toBe(true);
    expect(canTransition('IN_PROGRESS', 'COMPLETED')).toBe(true);
    expect(canTransition('COMPLETED', 'IN_PROGRESS')).toBe(false);
    expect(() => transition({ ...base, status: 'FAILED' }, 'COMPLETED', 2000)).toThrow(/illegal/);
  });

  it('stamps duration when finishing', () => {
    const done = transition(transition(base, 'IN_PROGRESS', 1500), 'COMPLETED', 4000);
    expect(done).toMatchObject({ status: 'COMPLETED', finishedAtMs: 4000, durationMs: 3000 });
  });

  it('marks an interrupted deliberation FAILED with where it stopped', () => {
    const lost = interrupted({ ...base, status: 'IN_PROGRESS', currentPhase: 'critique' }, 9000);
    expect(lost.status).toBe('FAILED');
    expect(lost.error).toMatch(/interrupted.*during critique/);
  });
});

describe('input rules name the field', () => {
  const fieldOf = (fn: () => unknown): string | undefined => {
    try {
      fn();
    } catch (e) {
      return (e as FleetError).code === 'INVALID_ARGUMENT' ? (e as FleetError).field : 'wrong code';
    }
    return undefined;
  };

  it("rejects bad values with the caller's field name", () => {
    expect(fieldOf(() => checkDescription('   ', 'task_description'))).toBe('task_description');
    expect(fieldOf(() => parseRole('CEO', 'role'))).toBe('role');
    expect(fieldOf(() => checkAgentCount(9, 'num_agents'))).toBe('num_agents');
    expect(fieldOf(() => checkAgentCount(0, '--agents'))).toBe('--agents');
    expect(fieldOf(() => checkRounds(6, 'rounds'))).toBe('rounds');
    expect(fieldOf(() => checkRounds(1.5, 'rounds'))).toBe('rounds');
  });

  it('accepts good values', () => {
    expect(parseRole(' qa ', 'role')).toBe('QA');
    expect(checkAgentCount(8, 'n')).toBe(8);
    expect(checkRounds(0, 'r')).toBe(0);
  });
});
