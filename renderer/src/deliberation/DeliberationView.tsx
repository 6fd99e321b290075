import type { ReactNode } from 'react';
import { formatDuration, formatScore, formatTime } from '../shared/format.js';
import { AgentColumn } from './AgentColumn.js';
import { verdict } from './outcome.js';
import { ScoreCard } from './ScoreCard.js';
import { type DeliberationState, type Lane, PHASES, phaseIndex, statusText } from './state.js';

function Timeline({ state }: { readonly state: DeliberationState }) {
  const reached = state.timeline.length === 0 ? -1 : Math.max(...state.timeline.map((m) => phaseIndex(m.phase)));
  return (
    <ol className="timeline" aria-label="Phases">
      {PHASES.map((phase, i) => {
        const marks = state.timeline.filter((m) => phaseIndex(m.phase) === i);
        const rounds = marks.map((m) => m.round).filter((r) => r !== undefined);
        const current = i === reached && state.result === undefined;
        return (
          <li
            key={phase}
            className={i < reached || (i === reached && state.result !== undefined) ? 'done' : current ? 'current' : 'ahead'}
            aria-current={current ? 'step' : undefined}
          >
            {phase}
            {rounds.length > 0 ? ` ×${rounds.length}` : ''}
            {marks[0] === undefined ? null : <span className="meta"> {new Date(marks[0].atMs).toLocaleTimeString()}</span>}
          </li>
        );
      })}
    </ol>
  );
}

function Outcome({ state }: { readonly state: DeliberationState }) {
  const result = state.result;
  if (result === undefined) return null;
  const v = verdict(result);
  const detail = result.detail;
  return (
    <section className="outcome" aria-labelledby="outcome-heading">
      <h2 id="outcome-heading">Outcome</h2>
      {v === undefined ? (
        <p>No winner{state.error === '' ? '.' : `: ${state.error}`}</p>
      ) : (
        <>
          <p className="winner">{`Winner: ${v.winnerId}`}</p>
          <p>
            {v.margin === undefined || v.runnerUpId === undefined
              ? 'No runner-up: it was the only proposal scored.'
              : `Margin over the runner-up (${v.runnerUpId}): ${v.margin >= 0 ? '+' : ''}${formatScore(v.margin)}`}
          </p>
          <p>Decided by {v.rule}</p>
        </>
      )}
      <p className="meta">
        {detail === undefined
          ? ''
          : `Council ${detail.councilId} · ${detail.role} · model ${detail.model} · ${detail.rounds} rounds · attempt ${detail.attempt} · `}
        took {formatDuration(result.durationMs)}
      </p>
      {detail === undefined || detail.timings.length === 0 ? null : (
        <table className="timings">
          <caption>Timings</caption>
          <thead>
            <tr>
              <th scope="col">Phase</th>
              <th scope="col">Started</th>
              <th scope="col">Took</th>
            </tr>
          </thead>
          <tbody>
            {detail.timings.map((t, i) => (
              <tr key={i}>
                <td>
                  {t.phase}
                  {t.round === undefined ? '' : ` ${t.round}`}
                </td>
                <td>{formatTime(t.startedAtMs)}</td>
                <td>{formatDuration(t.durationMs)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {detail === undefined || detail.failures.length === 0 ? null : (
        <ul className="failures" aria-label="Agent failures">
          {detail.failures.map((f, i) => (
            <li key={i} className="error">
              {f.agentId} failed in {f.phase}
              {f.round === undefined ? '' : ` ${f.round}`} ({f.code}): {f.message}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

interface ViewProps {
  readonly state: DeliberationState;
  /** Controls above the columns: Stop while it runs, the phase scrubber once it has ended. */
  readonly controls?: ReactNode;
}

const byId = (a: Lane, b: Lane): number => a.agentId.localeCompare(b.agentId, 'en', { numeric: true });
const proposes = (l: Lane): boolean => l.turns.some((t) => t.phase === 'propose');

/** Authors first in id order (dev-2 before dev-10), then the judge and the ARCHITECT. */
const columnOrder = (lanes: readonly Lane[]): Lane[] => [
  ...lanes.filter(proposes).sort(byId),
  ...lanes.filter((l) => !proposes(l)).sort(byId),
];

export function DeliberationView({ state, controls }: ViewProps) {
  const scored = [...state.scored].sort((a, b) => (a.rank || 99) - (b.rank || 99) || b.score - a.score);
  return (
    <div className="deliberation">
      <h1>
        Deliberation <code>{state.taskId}</code>
      </h1>
      <div className="status-bar">
        <p role="status">{statusText(state)}</p>
        <progress max={100} value={state.progressPercent} aria-label="Progress">
          {state.progressPercent}%
        </progress>
        {controls}
      </div>
      {state.error === '' || state.result !== undefined ? null : (
        <p className="error" role="alert">
          {state.error}
        </p>
      )}
      <Timeline state={state} />
      {state.lanes.length === 0 ? <p className="meta">No agent has started yet.</p> : null}
      <div className="lanes">
        {columnOrder(state.lanes).map((lane) => (
          <AgentColumn key={lane.agentId} lane={lane} state={state} />
        ))}
      </div>
      {scored.length === 0 ? null : (
        <section aria-labelledby="scores-heading">
          <h2 id="scores-heading">Scores</h2>
          <div className="scores">
            {scored.map((r) => (
              <ScoreCard key={r.proposal?.authorId} result={r} />
            ))}
          </div>
        </section>
      )}
      <Outcome state={state} />
    </div>
  );
}
