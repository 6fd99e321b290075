import { describe, expect, it } from 'vitest';
import { checkAcyclic, checkDerivedTasks, type DerivedTask, findCycle } from '../../../core/domain/task-derivation.js';

const task = (key: string, over: Partial<DerivedTask> = {}): DerivedTask => ({
  key,
  role: 'DEV',
  title: `task ${key}`,
  description: '',
  estimatedHours: 2,
  priority: 1,
  dependsOn: [],
  ...over,
});

describe('task derivation rules', () => {
  it('finds a cycle as the path that closes it, and none in a graph without one', () => {
    expect(
      findCycle([
        { from: 'a', to: 'b' },
        { from: 'b', to: 'c' },
        { from: 'a', to: 'c' },
      ]),
    ).toBeUndefined();
    expect(
      findCycle([
        { from: 'x', to: 't1' },
        { from: 't1', to: 't2' },
        { from: 't2', to: 't1' },
      ]),
    ).toEqual(['t1', 't2', 't1']);
    expect(findCycle([{ from: 'a', to: 'a' }])).toEqual(['a', 'a']);
    expect(() =>
      checkAcyclic(
        [
          { from: 't1', to: 't2' },
          { from: 't2', to: 't1' },
        ],
        'edges',
      ),
    ).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', field: 'edges', message: expect.stringContaining('t1 → t2 → t1') }));
  });

  it('keeps a good answer and names the field of a bad one', () => {
    const good = [task('T1'), task('T2', { role: 'QA', dependsOn: ['T1'] })];
    expect(checkDerivedTasks(good, ['DEV', 'QA'], 2)).toEqual(good);
    const refused = (tasks: DerivedTask[], field: string, max = 2): void =>
      expect(() => checkDerivedTasks(tasks, ['DEV', 'QA'], max)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', field }));
    refused([], 'tasks');
    refused([task('T1', { role: 'DATA' })], 'tasks[0].role');
    refused([task('T1'), task('T2', { title: '  ' })], 'tasks[1].title');
    refused([task('T1', { priority: 0 })], 'tasks[0].priority');
    refused([task('T1', { estimatedHours: -1 })], 'tasks[0].estimated_hours');
    refused([task('T1'), task('T1')], 'tasks[1].key');
    refused([task('T1', { dependsOn: ['T9'] })], 'tasks[0].depends_on[0]');
    refused([task('T1'), task('T2'), task('T3')], 'tasks[2].role');
    refused([task('T1', { dependsOn: ['T2'] }), task('T2', { dependsOn: ['T1'] })], 'tasks.depends_on');
  });
});
