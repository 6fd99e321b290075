import type { Role } from './role.js';

export interface TaskConstraints {
  /** Criteria the rubric judge scores, each 0..10. */
  readonly rubric: readonly string[];
  /** Statements every proposal must address; checked deterministically. */
  readonly requirements: readonly string[];
  /** Whole-deliberation deadline. */
  readonly timeoutMs: number;
  /** Generation budget per agent turn. */
  readonly maxTokens: number;
}

export interface Task {
  readonly id: string;
  readonly description: string;
  readonly role: Role;
  readonly constraints: TaskConstraints;
  /** The planning story and plan the task came from, when it came from one (events name them back). */
  readonly storyId?: string;
  readonly planId?: string;
  /** The story's context as rehydrated for the role when the deliberation started (kept for audit). */
  readonly context?: { readonly text: string; readonly version: string };
}

export const DEFAULT_RUBRIC = ['correctness', 'completeness', 'clarity', 'feasibility'] as const;
export const DEFAULT_TIMEOUT_MS = 10 * 60_000;
export const DEFAULT_MAX_TOKENS = 512;

/** A parameter on which two tasks under one id differ, named as the API names it. */
export interface TaskDifference {
  readonly field: string;
  readonly stored: string;
  readonly given: string;
}

// What makes a task the task it is: a reused task id with other values here is a different task.
const PARAMETERS: ReadonlyArray<readonly [string, (t: Task) => unknown]> = [
  ['task_description', (t) => t.description],
  ['role', (t) => t.role],
  ['constraints.rubric', (t) => t.constraints.rubric],
  ['constraints.requirements', (t) => t.constraints.requirements],
  ['constraints.timeout_seconds', (t) => t.constraints.timeoutMs / 1000],
  ['constraints.max_tokens', (t) => t.constraints.maxTokens],
];

/** The parameters (description, role, constraints) on which `given` differs from `stored`; empty when the same task. */
export function taskDifferences(stored: Task, given: Task): TaskDifference[] {
  return PARAMETERS.flatMap(([field, of]) => {
    const [a, b] = [JSON.stringify(of(stored)), JSON.stringify(of(given))];
    return a === b ? [] : [{ field, stored: a, given: b }];
  });
}
