import { create } from '@bufbuild/protobuf';
import {
  type DeliberateResponse,
  DeliberateResponseSchema,
  type GetDeliberationResultResponse,
} from '../../../proto/gen-es/fleet/orchestrator/v1/orchestrator_pb.js';
import { type DeliberationState, initialState, type Lane, type PhaseName, PHASES, phaseIndex, splitAgent, type Turn } from './state.js';

/** What a finished deliberation's record holds, whether it came from GetDeliberationResult or a FINISHED update. */
export type Outcome = DeliberateResponse | GetDeliberationResultResponse;

// Proposal.content is the latest revision and Proposal.original the first version; a record stored before
// the daemon kept the first version has none, and says so rather than showing the last revision as the first.
export const FIRST_VERSION_UNRECORDED = 'This record is older than the daemon’s keeping of first versions; its revisions are under revise.';

/** The proposal as first written: its own content when it was never revised. */
const firstVersion = (p: { readonly content: string; readonly original: string; readonly revisionHistory: readonly unknown[] }): string =>
  p.revisionHistory.length === 0 ? p.content : p.original === '' ? FIRST_VERSION_UNRECORDED : p.original;

const turn = (fields: Pick<Turn, 'phase' | 'round' | 'about' | 'text'> & Partial<Turn>): Turn => ({
  state: 'done',
  tokens: 0,
  tokensPerSecond: 0,
  failure: undefined,
  ...fields,
});

const critiqueText = (feedback: string, issues: readonly string[]): string =>
  [feedback, ...issues.map((i) => `- ${i}`)].filter((line) => line !== '').join('\n');

const byPhase = (a: Turn, b: Turn): number => phaseIndex(a.phase) - phaseIndex(b.phase) || (a.round ?? 0) - (b.round ?? 0);

/** Rebuilds the deliberation view from its record: proposals, critiques, revisions, scores, failures. */
export function replayState(o: Outcome): DeliberationState {
  const lanes = new Map<string, Turn[]>();
  const add = (agentId: string, t: Turn): void => {
    const turns = lanes.get(agentId) ?? [];
    turns.push(t);
    lanes.set(agentId, turns);
  };
  const results = [...o.results].sort((a, b) =>
    (a.proposal?.authorId ?? '').localeCompare(b.proposal?.authorId ?? '', 'en', { numeric: true }),
  );
  for (const r of results) {
    const p = r.proposal;
    if (p === undefined) continue;
    add(
      p.authorId,
      turn({
        phase: 'propose',
        round: undefined,
        about: undefined,
        text: firstVersion(p),
      }),
    );
    for (const rev of p.revisionHistory) {
      if (rev.critique !== undefined) {
        add(
          rev.critique.reviewerId,
          turn({ phase: 'critique', round: rev.round, about: p.authorId, text: critiqueText(rev.critique.feedback, rev.critique.issues) }),
        );
      }
      add(p.authorId, turn({ phase: 'revise', round: rev.round, about: undefined, text: rev.content }));
    }
  }
  const detail = o.detail;
  for (const f of detail?.failures ?? []) {
    const { agentId, about } = splitAgent(f.agentId);
    add(agentId, turn({ phase: f.phase, round: f.round, about, text: '', state: 'failed', failure: { code: f.code, message: f.message } }));
  }
  const decision = detail?.decision;
  if (decision !== undefined && decision.chosenId !== '') {
    const architect = results.find((r) => r.proposal?.authorRole === 'ARCHITECT')?.proposal?.authorId ?? 'architect';
    add(architect, turn({ phase: 'choose', round: undefined, about: decision.chosenId, text: decision.rationale }));
  }
  const result = create(DeliberateResponseSchema, {
    taskId: o.taskId,
    results: o.results,
    winnerId: o.winnerId,
    durationMs: o.durationMs,
    status: o.status,
    errorMessage: o.errorMessage,
    detail: o.detail,
    metadata: o.metadata,
  });
  return {
    ...initialState(o.taskId),
    status: o.status,
    phase: detail?.currentPhase ?? '',
    progressPercent: 100,
    timeline: (detail?.timings ?? []).map((t) => ({ phase: t.phase, round: t.round, atMs: Number(t.startedAtMs) })),
    lanes: [...lanes].map(([agentId, turns]): Lane => ({ agentId, turns: turns.sort(byPhase) })),
    scored: o.results,
    result,
    error: o.errorMessage,
  };
}

/** What existed once `phase` was over: later turns, scores before scoring and the winner before the end are hidden. */
export function atPhase(s: DeliberationState, phase: PhaseName): DeliberationState {
  const cutoff = phaseIndex(phase);
  const last = cutoff === PHASES.length - 1;
  return {
    ...s,
    lanes: s.lanes.map((l) => ({ ...l, turns: l.turns.filter((t) => phaseIndex(t.phase) <= cutoff) })),
    timeline: s.timeline.filter((m) => phaseIndex(m.phase) <= cutoff),
    scored: cutoff >= phaseIndex('score') ? s.scored : [],
    result: last ? s.result : undefined,
  };
}
