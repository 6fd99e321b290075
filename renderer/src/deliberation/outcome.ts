import type { DeliberationState } from './state.js';
import type { DeliberateResponse, DeliberationResult } from '../../../proto/gen-es/fleet/orchestrator/v1/orchestrator_pb.js';

/** Judge and checks read the same proposal differently enough that a person should look (both are 0..1). */
export const DISAGREEMENT = 0.3;

export const disagrees = (r: DeliberationResult): boolean => Math.abs(r.rubricScore - r.checksScore) >= DISAGREEMENT;

export interface Verdict {
  readonly winnerId: string;
  readonly runnerUpId: string | undefined;
  /** The winner's combined score minus the best other's; negative when the ARCHITECT chose a lower one. */
  readonly margin: number | undefined;
  readonly rule: string;
}

/** Who won, by how much, and which rule decided it. */
export function verdict(result: DeliberateResponse): Verdict | undefined {
  if (result.winnerId === '') return undefined;
  const winner = result.results.find((r) => r.proposal?.authorId === result.winnerId);
  const others = result.results.filter((r) => r.proposal?.authorId !== result.winnerId).sort((a, b) => b.score - a.score);
  const runnerUp = others[0];
  const decision = result.detail?.decision;
  const chosen = result.detail?.orchestrated === true && decision !== undefined && decision.chosenId === result.winnerId;
  const rule = chosen
    ? `the ARCHITECT's choice among ${decision.candidates.join(', ')}: ${decision.rationale}`
    : result.detail?.orchestrated === true
      ? 'highest combined score (the ARCHITECT made no usable choice)'
      : 'highest combined score';
  return {
    winnerId: result.winnerId,
    runnerUpId: runnerUp?.proposal?.authorId,
    margin: winner === undefined || runnerUp === undefined ? undefined : winner.score - runnerUp.score,
    rule,
  };
}

export interface ReceivedCritique {
  readonly reviewerId: string;
  readonly round: number | undefined;
  readonly text: string;
}

/**
 * The critiques of one agent's proposal: from the record once there is one (it names each reviewer),
 * until then from the live turns that said whose proposal they were about.
 */
export function critiquesOf(s: DeliberationState, agentId: string): readonly ReceivedCritique[] {
  const proposal = s.result?.results.find((r) => r.proposal?.authorId === agentId)?.proposal;
  if (proposal !== undefined && proposal.revisionHistory.length > 0) {
    return proposal.revisionHistory.flatMap((rev) =>
      rev.critique === undefined
        ? []
        : [
            {
              reviewerId: rev.critique.reviewerId,
              round: rev.round,
              text: [rev.critique.feedback, ...rev.critique.issues.map((i) => `- ${i}`)].join('\n'),
            },
          ],
    );
  }
  return s.lanes.flatMap((lane) =>
    lane.turns
      .filter((t) => t.phase === 'critique' && t.about === agentId)
      .map((t) => ({ reviewerId: lane.agentId, round: t.round, text: t.text })),
  );
}
