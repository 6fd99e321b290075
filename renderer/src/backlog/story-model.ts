/**
 * What the Backlog view knows of the daemon's planning rules, to draw them: the story's state machine
 * (the cluster's), the Definition-of-Ready thresholds by rigor, and how a brief splits into the
 * description and acceptance criteria StoryCoach scores. The daemon decides; these only say what to offer.
 */

/** The states in the order a story normally goes through them (CARRY_OVER is a branch, drawn apart). */
export const STORY_PATH = [
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
  'DONE',
  'ARCHIVED',
] as const;

export const STORY_STATES = [...STORY_PATH, 'CARRY_OVER'] as const;
export type StoryState = (typeof STORY_STATES)[number];

export const isStoryState = (s: string): s is StoryState => (STORY_STATES as readonly string[]).includes(s);

// Besides these, a story may always go back to DRAFT.
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

/** Where a story in `state` may go; an unknown state offers only the way back to DRAFT. */
export function allowedMoves(state: string): readonly StoryState[] {
  if (!isStoryState(state)) return ['DRAFT'];
  return state === 'DRAFT' ? MOVES.DRAFT : [...MOVES[state], 'DRAFT'];
}

/** A state as words: PO_REVIEW → "PO review". */
export const stateWords = (state: string): string =>
  state
    .split('_')
    .map((w, i) => (w === 'PO' ? 'PO' : i === 0 ? w.charAt(0) + w.slice(1).toLowerCase() : w.toLowerCase()))
    .join(' ');

export const RIGOR_LEVELS = ['L0', 'L1', 'L2', 'L3'] as const;
export type RigorLevel = (typeof RIGOR_LEVELS)[number];
/** The DoR score a story needs to leave DRAFT for review, by its project's rigor. */
export const DOR_THRESHOLD: Readonly<Record<RigorLevel, number>> = { L0: 50, L1: 75, L2: 85, L3: 90 };
export const DEFAULT_RIGOR: RigorLevel = 'L1';

export const thresholdOf = (rigor: string): number =>
  DOR_THRESHOLD[(RIGOR_LEVELS as readonly string[]).includes(rigor) ? (rigor as RigorLevel) : DEFAULT_RIGOR];

const CRITERIA_HEADING = /^\s*(?:#+\s*)?acceptance criteria\s*:?\s*$/i;
const CRITERION = /^\s*(?:[-*•]|\d+[.)])\s+|^\s*(?:given|scenario)\b/i;

/**
 * A brief as the daemon scores it: the acceptance criteria are the items under an "Acceptance
 * criteria:" heading, or else the Given/Scenario lines; the rest is the description.
 */
export function splitBrief(brief: string): { description: string; ac: string[] } {
  const lines = brief.split(/\r?\n/);
  const heading = lines.findIndex((l) => CRITERIA_HEADING.test(l));
  const described: string[] = [];
  const criteria: string[] = [];
  lines.forEach((line, i) => {
    if (i === heading) return;
    const underHeading = heading >= 0 && i > heading;
    if ((underHeading && line.trim() !== '') || (heading < 0 && /^\s*(?:given|scenario)\b/i.test(line))) {
      criteria.push(line.replace(CRITERION, (m) => (/given|scenario/i.test(m) ? m : '')).trim());
    } else {
      described.push(line);
    }
  });
  return { description: described.join('\n').trim(), ac: criteria };
}

/** The form a brief is expected in, shown under the Brief field. */
export const BRIEF_HINT =
  'As a <who>, I want <what>, so that <why>. Then a line "Acceptance criteria:" and one item per line: "- Given … When … Then …".';

/** The plan id an approval uses unless the product owner names another. */
export const defaultPlanId = (storyId: string): string => `${storyId}-plan-v1`;

/** A fresh idempotency key for one submitted form. */
export function newRequestId(): string {
  const c = globalThis.crypto as Crypto | undefined;
  if (c !== undefined && typeof c.randomUUID === 'function') return c.randomUUID();
  return `req-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}

/** Who acts for the product owner: the project's owner, else "po". */
export const actorOf = (project: { readonly owner: string } | undefined): string => {
  const owner = project?.owner.trim() ?? '';
  return owner === '' ? 'po' : owner;
};
