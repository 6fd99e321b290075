import { useCallback, useEffect, useState } from 'react';
import { errorText } from '../api.js';

export interface Loaded<T> {
  /** The answer for the current `load`; undefined until it comes (never an earlier load's answer). */
  readonly data: T | undefined;
  readonly error: string;
  /** Asks again, after a change this window made. */
  readonly reload: () => void;
}

interface Answer<T> {
  readonly from: unknown;
  readonly data: T | undefined;
  readonly error: string;
}

export interface LoadOptions {
  /** Asks again every so many milliseconds. */
  readonly intervalMs?: number;
  /** Asks again whenever this changes (a change made elsewhere on the page). */
  readonly version?: number;
}

/**
 * Calls `load` when it changes (it must be memoised on what it reads), when `reload` is called or the
 * version changes, and every `intervalMs` when one is given. What an earlier `load` answered is never
 * shown for a later one.
 */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, { intervalMs, version = 0 }: LoadOptions = {}): Loaded<T> {
  const [answer, setAnswer] = useState<Answer<T>>({ from: undefined, data: undefined, error: '' });
  const [round, setRound] = useState(0);
  useEffect(() => {
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async (): Promise<void> => {
      try {
        const data = await load(abort.signal);
        if (!abort.signal.aborted) setAnswer({ from: load, data, error: '' });
      } catch (e) {
        if (!abort.signal.aborted) setAnswer((a) => ({ from: load, data: a.from === load ? a.data : undefined, error: errorText(e) }));
      }
      if (intervalMs !== undefined && !abort.signal.aborted) timer = setTimeout(() => void tick(), intervalMs);
    };
    void tick();
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
  }, [load, intervalMs, round, version]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  const current = answer.from === load;
  return { data: current ? answer.data : undefined, error: current ? answer.error : '', reload };
}
