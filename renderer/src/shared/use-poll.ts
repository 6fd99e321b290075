import { useCallback, useEffect, useState } from 'react';
import { errorText } from '../api.js';

export interface Polled<S> {
  readonly data: S;
  readonly error: string;
  /** Asks again now, after a change this window made, instead of at the next tick. */
  readonly refresh: () => void;
}

/**
 * Calls `load` now and every `intervalMs` after the previous answer (never two at once), until the
 * component goes, folding each answer into `data`. A failure keeps the data and says why; the next
 * answer clears it. `load` and `fold` must be stable (module-level or memoised), or every render
 * restarts the polling.
 */
export function usePolledFold<T, S>(
  load: (signal: AbortSignal) => Promise<T>,
  intervalMs: number,
  fold: (data: S, answer: T, atMs: number) => S,
  initial: S,
): Polled<S> {
  const [state, setState] = useState({ data: initial, error: '' });
  const [round, setRound] = useState(0);
  useEffect(() => {
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async (): Promise<void> => {
      try {
        const answer = await load(abort.signal);
        const atMs = Date.now();
        if (!abort.signal.aborted) setState((s) => ({ data: fold(s.data, answer, atMs), error: '' }));
      } catch (e) {
        if (!abort.signal.aborted) setState((s) => ({ data: s.data, error: errorText(e) }));
      }
      if (!abort.signal.aborted) timer = setTimeout(() => void tick(), intervalMs);
    };
    void tick();
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
  }, [load, intervalMs, fold, round]);
  const refresh = useCallback(() => setRound((r) => r + 1), []);
  return { ...state, refresh };
}

const latest = <T>(_: T | undefined, answer: T): T => answer;

/** The latest answer of `load`, asked again every `intervalMs`. */
export const usePoll = <T>(load: (signal: AbortSignal) => Promise<T>, intervalMs: number): Polled<T | undefined> =>
  usePolledFold<T, T | undefined>(load, intervalMs, latest, undefined);
