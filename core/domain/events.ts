import type { Deliberation, DeliberationStatus, Phase } from './deliberation.js';
import type { ErrorCode } from './errors.js';

/** What a running deliberation reports as it goes, for live progress (CLI, StreamDeliberation, UI). */
export type DeliberationEvent =
  | { readonly type: 'status'; readonly taskId: string; readonly atMs: number; readonly status: DeliberationStatus }
  | { readonly type: 'phase'; readonly taskId: string; readonly atMs: number; readonly phase: Phase; readonly round?: number }
  | {
      readonly type: 'agent';
      readonly taskId: string;
      readonly atMs: number;
      readonly agentId: string;
      readonly phase: Phase;
      readonly state: 'started' | 'progress' | 'done';
      readonly tokens?: number;
      readonly tokensPerSecond?: number;
    }
  | {
      readonly type: 'agent-failed';
      readonly taskId: string;
      readonly atMs: number;
      readonly agentId: string;
      readonly phase: Phase;
      readonly code: ErrorCode;
      readonly message: string;
    }
  | { readonly type: 'finished'; readonly taskId: string; readonly atMs: number; readonly deliberation: Deliberation };
