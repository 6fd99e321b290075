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
}

export const DEFAULT_RUBRIC = ['correctness', 'completeness', 'clarity', 'feasibility'] as const;
export const DEFAULT_TIMEOUT_MS = 10 * 60_000;
export const DEFAULT_MAX_TOKENS = 512;
