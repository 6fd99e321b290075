import { Code, ConnectError } from '@connectrpc/connect';
import { useEffect, useReducer, useState } from 'react';
import { UpdateType } from '../../../proto/gen-es/fleet/orchestrator/v1/orchestrator_pb.js';
import { errorText } from '../api.js';
import { useApi } from '../shared/api-context.js';
import { recordRate } from '../shared/token-rates.js';
import { DeliberationView } from './DeliberationView.js';
import { atPhase, replayState } from './replay.js';
import {
  type DeliberationAction,
  deliberationReducer,
  type DeliberationState,
  initialState,
  isEnded,
  type PhaseName,
  PHASES,
  splitAgent,
} from './state.js';

// How long a deliberation not known yet is asked for again, and how often.
const STARTING_MS = 15_000;
const RETRY_MS = 500;

type PageAction = DeliberationAction | { readonly type: 'replay'; readonly state: DeliberationState };

const pageReducer = (s: DeliberationState, a: PageAction): DeliberationState => (a.type === 'replay' ? a.state : deliberationReducer(s, a));

function PhaseScrubber({ value, onChange }: { readonly value: PhaseName; readonly onChange: (p: PhaseName) => void }) {
  return (
    <fieldset className="scrubber">
      <legend>Show the deliberation as it stood after</legend>
      {PHASES.map((p) => (
        <button key={p} type="button" aria-pressed={p === value} onClick={() => onChange(p)}>
          {p}
        </button>
      ))}
    </fieldset>
  );
}

/**
 * A deliberation, live or from its record. The record is asked for first: one that is over replays
 * from it; one still running (or not stored yet) is followed on its update stream.
 */
export function DeliberationPage({ taskId }: { readonly taskId: string }) {
  const api = useApi();
  const [state, dispatch] = useReducer(pageReducer, taskId, initialState);
  const [scrub, setScrub] = useState<PhaseName>('choose');
  const [stopError, setStopError] = useState('');

  useEffect(() => {
    const abort = new AbortController();
    const { signal } = abort;
    const followOnce = async (): Promise<void> => {
      try {
        const record = await api.orchestrator.getDeliberationResult({ taskId }, { signal });
        if (isEnded(record.status)) {
          dispatch({ type: 'replay', state: replayState(record) });
          return;
        }
      } catch (e) {
        // Not stored yet (just started): its stream still knows it.
        if (signal.aborted || ConnectError.from(e).code !== Code.NotFound) throw e;
      }
      let seen = 0;
      let finished = false;
      for await (const update of api.orchestrator.streamDeliberation({ taskId }, { signal })) {
        seen++;
        finished ||= update.type === UpdateType.FINISHED;
        // A deliberation already over answers with its FINISHED update alone: show it from its record.
        if (seen === 1 && update.type === UpdateType.FINISHED && update.result !== undefined) {
          dispatch({ type: 'replay', state: replayState(update.result) });
          continue;
        }
        if (update.type === UpdateType.AGENT && update.tokensPerSecond > 0) {
          recordRate({
            atMs: Number(update.atMs) || Date.now(),
            agentId: splitAgent(update.currentAgent).agentId,
            tokensPerSecond: update.tokensPerSecond,
          });
        }
        dispatch({ type: 'update', update });
      }
      if (!finished && !signal.aborted)
        dispatch({ type: 'error', message: 'The update stream ended before the deliberation did; reload to follow it again.' });
    };
    // A deliberation a plan approval just asked for is started a moment later, by the daemon's event
    // consumer: until then it is unknown, so it is asked for again for a while before saying so.
    const follow = async (): Promise<void> => {
      const giveUpAt = Date.now() + STARTING_MS;
      for (;;) {
        try {
          await followOnce();
          return;
        } catch (e) {
          if (signal.aborted || ConnectError.from(e).code !== Code.NotFound || Date.now() > giveUpAt) throw e;
          await new Promise((r) => setTimeout(r, RETRY_MS));
          if (signal.aborted) return;
        }
      }
    };
    follow().catch((e: unknown) => {
      if (!signal.aborted) dispatch({ type: 'error', message: errorText(e) });
    });
    return () => abort.abort();
  }, [api, taskId]);

  const stop = async (): Promise<void> => {
    setStopError('');
    dispatch({ type: 'stop-requested' });
    try {
      const answer = await api.desktop.cancelDeliberation({ taskId });
      dispatch({ type: 'stop-answered', ended: answer.cancelled ? undefined : answer.status });
    } catch (e) {
      setStopError(errorText(e));
      dispatch({ type: 'stop-failed' });
    }
  };

  const ended = isEnded(state.status) && !state.stopping;
  const controls = ended ? (
    <PhaseScrubber value={scrub} onChange={setScrub} />
  ) : (
    <>
      <button type="button" className="danger" disabled={state.stopping} onClick={() => void stop()}>
        Stop
      </button>
      {stopError === '' ? null : (
        <span className="error" role="alert">
          {stopError}
        </span>
      )}
    </>
  );
  return <DeliberationView state={ended ? atPhase(state, scrub) : state} controls={controls} />;
}
