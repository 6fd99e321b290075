import { FleetError, invalidArgument } from './errors.js';

/**
 * The cluster's planning model: Project → Epic → Story → Task, a story's state machine and the
 * Definition of Ready a story must meet before the product owner reviews it. State names and moves
 * are the cluster's, so a cluster client sees the same story either way.
 */

export const STORY_STATES = [
  'DRAFT',
  'PO_REVIEW',
  'READY_FOR_PLANNING',
  'PLANNED',
  'READY_FOR_EXECUTION',
  'IN_PROGRESS',
  'CODE_REVIEW',
  'TESTING',
  'READY_TO_REVIEW',
  'ACCEPTED',
  'CARRY_OVER',
  'DONE',
  'ARCHIVED',
] as const;
export type StoryState = (typeof STORY_STATES)[number];

// Besides these, a story may always go back to DRAFT (the cluster's reset).
const MOVES: Readonly<Record<StoryState, readonly StoryState[]>> = {
  DRAFT: ['PO_REVIEW'],
  PO_REVIEW: ['READY_FOR_PLANNING'],
  READY_FOR_PLANNING: ['PLANNED'],
  PLANNED: ['READY_FOR_EXECUTION'],
  READY_FOR_EXECUTION: ['IN_PROGRESS', 'CARRY_OVER'],
  IN_PROGRESS: ['CODE_REVIEW', 'CARRY_OVER'],
  CODE_REVIEW: ['TESTING', 'IN_PROGRESS', 'CARRY_OVER'],
  TESTING: ['READY_TO_REVIEW', 'IN_PROGRESS', 'CARRY_OVER'],
  READY_TO_REVIEW: ['ACCEPTED', 'IN_PROGRESS', 'CARRY_OVER'],
  ACCEPTED: ['DONE'],
  CARRY_OVER: ['READY_FOR_EXECUTION', 'ARCHIVED'],
  DONE: ['ARCHIVED'],
  ARCHIVED: [],
};

export const allowedMoves = (from: StoryState): readonly StoryState[] => (from === 'DRAFT' ? MOVES.DRAFT : [...MOVES[from], 'DRAFT']);

export const RIGOR_LEVELS = ['L0', 'L1', 'L2', 'L3'] as const;
export type RigorLevel = (typeof RIGOR_LEVELS)[number];
/** The Definition-of-Ready score a story needs to leave DRAFT for review, by the project's rigor. */
export const DOR_THRESHOLD: Readonly<Record<RigorLevel, number>> = { L0: 50, L1: 75, L2: 85, L3: 90 };
export const DEFAULT_RIGOR: RigorLevel = 'L1';

export interface Project {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly status: string;
  readonly owner: string;
  readonly rigor: RigorLevel;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
}

export interface Epic {
  readonly id: string;
  readonly projectId: string;
  readonly title: string;
  readonly description: string;
  readonly status: string;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
}

export interface Story {
  readonly id: string;
  readonly epicId: string;
  readonly title: string;
  /** The story's text: its user value, description and acceptance criteria. */
  readonly brief: string;
  readonly state: StoryState;
  /** 0..100, from StoryCoach's score of the title and brief. */
  readonly dorScore: number;
  readonly createdBy: string;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
}

export interface PlanTask {
  readonly id: string;
  readonly storyId: string;
  readonly planId?: string;
  readonly title: string;
  readonly description: string;
  readonly type: string;
  readonly status: string;
  readonly assignedTo: string;
  readonly estimatedHours: number;
  readonly priority: number;
  /** The caller's idempotency key: the same request id creates the task once. */
  readonly requestId?: string;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
}

export function parseStoryState(value: string, field: string): StoryState {
  const upper = value.trim().toUpperCase();
  const state = STORY_STATES.find((s) => s === upper);
  if (state === undefined) throw invalidArgument(field, `one of ${STORY_STATES.join(', ')}`, value);
  return state;
}

export function parseRigor(value: string, field: string): RigorLevel {
  const upper = value.trim().toUpperCase();
  const rigor = RIGOR_LEVELS.find((r) => r === upper);
  if (rigor === undefined) throw invalidArgument(field, `one of ${RIGOR_LEVELS.join(', ')}`, value);
  return rigor;
}

/**
 * The story in `target`, or FAILED_PRECONDITION naming where it is and where it may go. Leaving DRAFT
 * for review takes a DoR score at the project's threshold.
 */
export function transition(story: Story, target: StoryState, rigor: RigorLevel, nowMs: number): Story {
  const allowed = allowedMoves(story.state);
  if (!allowed.includes(target)) {
    throw new FleetError(
      'FAILED_PRECONDITION',
      `story ${story.id} is ${story.state}: it can move to ${allowed.length === 0 ? 'nothing (it is final)' : allowed.join(', ')}, not ${target}`,
      { field: 'target_state' },
    );
  }
  const threshold = DOR_THRESHOLD[rigor];
  if (story.state === 'DRAFT' && target === 'PO_REVIEW' && story.dorScore < threshold) {
    throw new FleetError(
      'FAILED_PRECONDITION',
      `story ${story.id} scores ${story.dorScore} on the Definition of Ready; its project (rigor ${rigor}) needs ${threshold} to go to review: refine it (ScoreStory says what is missing)`,
      { field: 'target_state' },
    );
  }
  return { ...story, state: target, updatedAtMs: Math.max(nowMs, story.createdAtMs) };
}

/** Non-empty, trimmed, bounded text for a named field. */
export function checkText(value: string, field: string, maxChars: number, required = true): string {
  const trimmed = value.trim();
  if (required && trimmed.length === 0) throw invalidArgument(field, 'a non-empty text');
  if (trimmed.length > maxChars) throw invalidArgument(field, `at most ${maxChars} characters`, `${trimmed.length} characters`);
  return trimmed;
}

/** The deliberation an approved plan starts for one role: one per role, the same id however often it is approved. */
export const planTaskId = (planId: string, role: string): string => `plan-${planId}-${role}`;

// A decision rejected by the product owner is deliberated again as `<task>.r<n>`, n counting the reruns.
const RERUN = /^(.*)\.r(\d+)$/;

/** The n-th rerun of a task's decision (whichever rerun `taskId` already is). */
export const rerunTaskId = (taskId: string, n: number): string => `${RERUN.exec(taskId)?.[1] ?? taskId}.r${n}`;

/** The task whose decision a rerun replaces (`x.r1` → `x`, `x.r3` → `x.r2`); undefined for an original. */
export function supersededTaskId(taskId: string): string | undefined {
  const rerun = RERUN.exec(taskId);
  if (rerun === null) return undefined;
  const n = Number(rerun[2]);
  return n <= 1 ? rerun[1] : `${rerun[1]}.r${n - 1}`;
}

export const PLANNING_LIMITS = { nameChars: 200, textChars: 20_000, pageMax: 500 } as const;
