import type { Deliberation, DeliberationResult, DeliberationStatus, Phase } from './deliberation.js';
import type { ErrorCode } from './errors.js';

interface EventBase {
  readonly taskId: string;
  readonly atMs: number;
  /**
   * Share of the deliberation's agent turns done, 0..100 (100 only once it has finished). Turns still
   * ahead are re-counted at each phase, so an agent that drops out shrinks what is left.
   */
  readonly progressPercent?: number;
  /** The planning story the deliberation serves, when it serves one. */
  readonly storyId?: string;
}

/** What a running deliberation reports as it goes, for live progress (CLI, StreamDeliberation, UI). */
export type DeliberationEvent = EventBase &
  (
    | { readonly type: 'status'; readonly status: DeliberationStatus }
    | { readonly type: 'phase'; readonly phase: Phase; readonly round?: number }
    | {
        readonly type: 'agent';
        readonly agentId: string;
        readonly phase: Phase;
        readonly state: 'started' | 'progress' | 'done';
        readonly tokens?: number;
        readonly tokensPerSecond?: number;
        /** What the agent wrote since its previous event of this turn (the live token stream). */
        readonly text?: string;
      }
    | {
        readonly type: 'agent-failed';
        readonly agentId: string;
        readonly phase: Phase;
        readonly code: ErrorCode;
        readonly message: string;
      }
    /** One final proposal judged and checked; its rank is 0 until every proposal is scored. */
    | { readonly type: 'scored'; readonly result: DeliberationResult }
    | { readonly type: 'finished'; readonly deliberation: Deliberation }
  );
