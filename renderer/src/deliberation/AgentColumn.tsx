import { formatRate } from '../shared/format.js';
import { critiquesOf } from './outcome.js';
import { FIRST_VERSION_UNRECORDED } from './replay.js';
import { type DeliberationState, type Lane, PHASES, phaseIndex, type Turn } from './state.js';
import { TextDiff } from './TextDiff.js';

const turnTitle = (t: Turn): string =>
  `${t.phase}${t.round === undefined ? '' : ` ${t.round}`}${t.about === undefined ? '' : ` · about ${t.about}`}`;

// A replayed record has no token counts: nothing is said rather than a misleading zero.
const turnFacts = (t: Turn): string =>
  [t.state, t.tokens > 0 ? `${t.tokens} tokens` : '', t.tokensPerSecond > 0 ? formatRate(t.tokensPerSecond) : '']
    .filter((s) => s !== '')
    .join(' · ');

/** The version a revision started from: the previous revision, or the proposal itself. */
function versionBefore(turns: readonly Turn[], revision: Turn): string | undefined {
  const earlier = turns.filter(
    (t) => t.phase === 'revise' && t.round !== undefined && revision.round !== undefined && t.round < revision.round,
  );
  const before = earlier.length > 0 ? earlier[earlier.length - 1] : turns.find((t) => t.phase === 'propose');
  if (before === undefined || before.text === '' || before.text === FIRST_VERSION_UNRECORDED) return undefined;
  return before.text;
}

function TurnView({ turn, turns }: { readonly turn: Turn; readonly turns: readonly Turn[] }) {
  const before = turn.phase === 'revise' && turn.text !== '' ? versionBefore(turns, turn) : undefined;
  return (
    <div className={`turn ${turn.state}`}>
      <h4>
        {turnTitle(turn)}
        <span className="meta"> · {turnFacts(turn)}</span>
      </h4>
      {turn.failure === undefined ? null : (
        <p className="error">
          Failed in {turn.phase} ({turn.failure.code}): {turn.failure.message}
        </p>
      )}
      {turn.text === '' ? null : <pre className="stream">{turn.text}</pre>}
      {before === undefined ? null : <TextDiff before={before} after={turn.text} label={`What revision ${turn.round ?? ''} changed`} />}
    </div>
  );
}

/** One agent's work, phase by phase, with the critiques its proposal received beside it. */
export function AgentColumn({ lane, state }: { readonly lane: Lane; readonly state: DeliberationState }) {
  const received = critiquesOf(state, lane.agentId);
  const ordered = [...lane.turns].sort((a, b) => phaseIndex(a.phase) - phaseIndex(b.phase) || (a.round ?? 0) - (b.round ?? 0));
  return (
    <section className="lane" aria-label={lane.agentId}>
      <h3>{lane.agentId}</h3>
      {PHASES.map((phase) => {
        const turns = ordered.filter((t) => phaseIndex(t.phase) === phaseIndex(phase));
        const critiques = phase === 'propose' ? received : [];
        if (turns.length === 0 && critiques.length === 0) return null;
        return (
          <div key={phase} className="phase-group">
            {turns.map((t, i) => (
              <TurnView key={`${t.phase}-${t.round ?? ''}-${t.about ?? ''}-${i}`} turn={t} turns={ordered} />
            ))}
            {critiques.map((c, i) => (
              <aside key={`${c.reviewerId}-${c.round ?? ''}-${i}`} className="critique">
                <h4>
                  Critique from {c.reviewerId}
                  {c.round === undefined ? '' : ` (round ${c.round})`}
                </h4>
                <pre>{c.text}</pre>
              </aside>
            ))}
          </div>
        );
      })}
    </section>
  );
}
