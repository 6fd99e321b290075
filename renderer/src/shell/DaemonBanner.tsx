import { useEffect, useState } from 'react';
import { daemonNotice } from './daemon-state.js';

/** The daemon's state as the desktop shell reports it; undefined until it has said anything. */
export function useDaemonState(shell: FleetShell): DaemonStateView | undefined {
  const [state, setState] = useState<DaemonStateView>();
  useEffect(() => shell.onDaemonState(setState), [shell]);
  return state;
}

/** Ticks each second while a restart is counted down, so the seconds left stay true. */
function useNow(ticking: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!ticking) return;
    const tick = (): void => setNow(Date.now());
    const first = setTimeout(tick, 0);
    const timer = setInterval(tick, 1000);
    return () => {
      clearTimeout(first);
      clearInterval(timer);
    };
  }, [ticking]);
  return now;
}

/** A line above every view saying what the daemon is doing when it is not simply running. */
export function DaemonBanner({ state }: { readonly state: DaemonStateView | undefined }) {
  const now = useNow(state?.kind === 'crashed');
  const notice = state === undefined ? undefined : daemonNotice(state, now);
  if (notice === undefined) return null;
  return (
    <div className={`daemon-banner ${notice.tone}`} role={notice.tone === 'bad' ? 'alert' : 'status'} aria-label="Daemon">
      <p>{notice.text}</p>
      {notice.detail === undefined ? null : (
        <details>
          <summary>What it printed</summary>
          <pre>{notice.detail}</pre>
        </details>
      )}
    </div>
  );
}
