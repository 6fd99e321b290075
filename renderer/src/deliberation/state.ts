import {
  type DeliberateResponse,
  type DeliberationResult,
  DeliberationStatus,
  type DeliberationUpdate,
  UpdateType,
} from '../../../proto/gen-es/fleet/orchestrator/v1/orchestrator_pb.js';

/** The phases as a person follows them; the daemon's `rank` is the end of scoring and shows there. */
export const PHASES = ['propose', 'critique', 'revise', 'score', 'choose'] as const;
export type PhaseName = (typeof PHASES)[number];

export const phaseIndex = (phase: string): number => {
  const i = PHASES.indexOf((phase === 'rank' ? 'score' : phase) as PhaseName);
  return i === -1 ? PHASES.length : i;
};

/** One agent turn: what it wrote in one phase (and round), possibly about another agent's proposal. */
export interface Turn {
  readonly phase: string;
  readonly round: number | undefined;
  /** The agent whose proposal this turn works on (critique, score), when the daemon names it. */
  readonly about: string | undefined;
  readonly text: string;
  readonly state: 'started' | 'progress' | 'done' | 'failed';
  readonly tokens: number;
  readonly tokensPerSecond: number;
  readonly failure: { readonly code: string; readonly message: string } | undefined;
}

export interface Lane {
  readonly agentId: string;
  readonly turns: readonly Turn[];
}

export interface PhaseMark {
  readonly phase: string;
  readonly round: number | undefined;
  readonly atMs: number;
}

export interface DeliberationState {
  readonly taskId: string;
  readonly status: DeliberationStatus;
  /** The daemon's word for where it is (generating, reviewing, ...). */
  readonly statusWords: string;
  readonly phase: string;
  readonly round: number | undefined;
  readonly progressPercent: number;
  readonly timeline: readonly PhaseMark[];
  /** In the order agents first appeared, so columns do not jump around as updates arrive. */
  readonly lanes: readonly Lane[];
  /** Proposals judged so far, by author. */
  readonly scored: readonly DeliberationResult[];
  readonly result: DeliberateResponse | undefined;
  /** A Stop was asked for and the daemon has not said the deliberation ended yet. */
  readonly stopping: boolean;
  readonly error: string;
}

export type DeliberationAction =
  | { readonly type: 'update'; readonly update: DeliberationUpdate }
  | { readonly type: 'stop-requested' }
  /** The daemon answered the Stop: `status` is set when it had already ended. */
  | { readonly type: 'stop-answered'; readonly ended: DeliberationStatus | undefined }
  | { readonly type: 'stop-failed' }
  | { readonly type: 'error'; readonly message: string };

export const initialState = (taskId: string): DeliberationState => ({
  taskId,
  status: DeliberationStatus.UNKNOWN,
  statusWords: '',
  phase: '',
  round: undefined,
  progressPercent: 0,
  timeline: [],
  lanes: [],
  scored: [],
  result: undefined,
  stopping: false,
  error: '',
});

export const isEnded = (status: DeliberationStatus): boolean =>
  status === DeliberationStatus.COMPLETED ||
  status === DeliberationStatus.FAILED ||
  status === DeliberationStatus.TIMEOUT ||
  status === DeliberationStatus.CANCELLED;

/** `dev-1:dev-2` is dev-1 working on dev-2's proposal: it belongs in dev-1's column. */
export function splitAgent(currentAgent: string): { agentId: string; about: string | undefined } {
  const at = currentAgent.indexOf(':');
  return at === -1
    ? { agentId: currentAgent, about: undefined }
    : { agentId: currentAgent.slice(0, at), about: currentAgent.slice(at + 1) };
}

const ROUNDED_PHASES = new Set(['critique', 'revise']);

function withTurn(lanes: readonly Lane[], agentId: string, change: (turns: readonly Turn[]) => readonly Turn[]): readonly Lane[] {
  const i = lanes.findIndex((l) => l.agentId === agentId);
  if (i === -1) return [...lanes, { agentId, turns: change([]) }];
  return lanes.map((l, j) => (j === i ? { agentId, turns: change(l.turns) } : l));
}

const sameTurn = (t: Turn, phase: string, round: number | undefined, about: string | undefined): boolean =>
  t.phase === phase && t.round === round && t.about === about;

/** Changes the latest turn with this key, or opens it when this stream joined after it started. */
function patchTurn(turns: readonly Turn[], key: Pick<Turn, 'phase' | 'round' | 'about'>, patch: (t: Turn) => Turn): readonly Turn[] {
  let i = -1;
  turns.forEach((t, j) => {
    if (sameTurn(t, key.phase, key.round, key.about)) i = j;
  });
  if (i === -1) return [...turns, patch(emptyTurn(key))];
  return turns.map((t, j) => (j === i ? patch(t) : t));
}

const emptyTurn = (key: Pick<Turn, 'phase' | 'round' | 'about'>): Turn => ({
  ...key,
  text: '',
  state: 'started',
  tokens: 0,
  tokensPerSecond: 0,
  failure: undefined,
});

/**
 * An agent writing is proof the deliberation runs, and of its phase: a window that joined late, or missed
 * the phase update, says `running: <phase>` from the agent's update instead of `connecting`.
 */
function running(s: DeliberationState, phase: string, u: DeliberationUpdate): DeliberationState {
  if (isEnded(s.status)) return s;
  const status = DeliberationStatus.IN_PROGRESS;
  if (phase === '' || phase === s.phase || (s.phase !== '' && phaseIndex(phase) <= phaseIndex(s.phase))) return { ...s, status };
  return { ...s, status, phase, round: u.round, timeline: [...s.timeline, { phase, round: u.round, atMs: Number(u.atMs) }] };
}

function foldUpdate(s: DeliberationState, u: DeliberationUpdate): DeliberationState {
  const base: DeliberationState = {
    ...s,
    statusWords: u.status === '' ? s.statusWords : u.status,
    progressPercent: Math.max(s.progressPercent, u.progressPercent),
    status: u.deliberationStatus === DeliberationStatus.UNKNOWN ? s.status : u.deliberationStatus,
  };
  switch (u.type) {
    case UpdateType.PHASE:
      return {
        ...base,
        status: isEnded(base.status) ? base.status : DeliberationStatus.IN_PROGRESS,
        phase: u.phase,
        round: u.round,
        timeline: [...s.timeline, { phase: u.phase, round: u.round, atMs: Number(u.atMs) }],
      };
    case UpdateType.AGENT:
    case UpdateType.AGENT_FAILED: {
      const { agentId, about } = splitAgent(u.currentAgent);
      const phase = u.phase === '' ? s.phase : u.phase;
      // Agent updates do not repeat the round; it is the one the last phase update announced.
      const round = u.round ?? (ROUNDED_PHASES.has(phase) && phase === s.phase ? s.round : undefined);
      const key = { phase, round, about };
      const lanes = withTurn(s.lanes, agentId, (turns) => {
        if (u.type === UpdateType.AGENT_FAILED) {
          return patchTurn(turns, key, (t) => ({ ...t, state: 'failed', failure: { code: u.code, message: u.message } }));
        }
        if (u.state === 'started') return [...turns, emptyTurn(key)];
        return patchTurn(turns, key, (t) => ({
          ...t,
          text: t.text + u.text,
          state: u.state === 'done' ? 'done' : 'progress',
          tokens: u.tokens === 0 ? t.tokens : u.tokens,
          tokensPerSecond: u.tokensPerSecond === 0 ? t.tokensPerSecond : u.tokensPerSecond,
        }));
      });
      return { ...running(base, phase, u), lanes };
    }
    case UpdateType.SCORED: {
      const result = u.partialResult;
      if (result === undefined) return base;
      const author = result.proposal?.authorId ?? '';
      return { ...base, scored: [...s.scored.filter((r) => r.proposal?.authorId !== author), result] };
    }
    case UpdateType.FINISHED: {
      const result = u.result;
      // The record's failures reach their columns even when this stream missed the AGENT_FAILED update.
      let lanes = s.lanes;
      for (const f of result?.detail?.failures ?? []) {
        const { agentId, about } = splitAgent(f.agentId);
        const key = { phase: f.phase, round: f.round, about };
        const known = lanes.some(
          (l) => l.agentId === agentId && l.turns.some((t) => t.state === 'failed' && sameTurn(t, key.phase, key.round, key.about)),
        );
        if (!known)
          lanes = withTurn(lanes, agentId, (turns) =>
            patchTurn(turns, key, (t) => ({ ...t, state: 'failed', failure: { code: f.code, message: f.message } })),
          );
      }
      const status = u.deliberationStatus !== DeliberationStatus.UNKNOWN ? u.deliberationStatus : (result?.status ?? base.status);
      return {
        ...base,
        status,
        result,
        lanes,
        // The final ranking replaces the partial scores: it has every proposal and their ranks.
        scored: result === undefined || result.results.length === 0 ? s.scored : result.results,
        stopping: false,
        progressPercent: 100,
        error: u.message !== '' ? u.message : (result?.errorMessage ?? ''),
      };
    }
    default:
      return base;
  }
}

/** Folds the stream's updates (and what this window asked for) into what the deliberation view shows. */
export function deliberationReducer(s: DeliberationState, action: DeliberationAction): DeliberationState {
  switch (action.type) {
    case 'update':
      return foldUpdate(s, action.update);
    case 'stop-requested':
      return isEnded(s.status) ? s : { ...s, stopping: true };
    case 'stop-answered':
      return action.ended === undefined ? s : { ...s, stopping: false, status: action.ended };
    case 'stop-failed':
      return { ...s, stopping: false };
    case 'error':
      return { ...s, stopping: false, error: action.message };
  }
}

/** Words for where the deliberation stands, Stop included. */
export function statusText(s: DeliberationState): string {
  if (s.stopping) return 'cancelling';
  switch (s.status) {
    case DeliberationStatus.COMPLETED:
      return 'completed';
    case DeliberationStatus.CANCELLED:
      return 'cancelled';
    case DeliberationStatus.FAILED:
      return 'failed';
    case DeliberationStatus.TIMEOUT:
      return 'timed out';
    case DeliberationStatus.PENDING:
      return 'waiting to start';
    case DeliberationStatus.IN_PROGRESS:
      return s.phase === '' ? 'running' : `running: ${s.phase}${s.round === undefined ? '' : ` ${s.round}`}`;
    default:
      return 'connecting';
  }
}
