export interface DaemonNotice {
  /** ok: running again after a crash; wait: starting; bad: crashed or stopped. */
  readonly tone: 'ok' | 'wait' | 'bad';
  readonly text: string;
  /** The crash's whole reason (the daemon's last lines of stderr), when the sentence shortened it. */
  readonly detail: string | undefined;
}

const firstLine = (text: string): string => text.split('\n', 1)[0] ?? '';

/** Seconds until the shell restarts a crashed daemon, counted from the crash; 0 once due. */
export function restartInSeconds(crash: NonNullable<DaemonStateView['lastCrash']>, nowMs: number): number {
  const whole = Math.ceil(crash.restartInMs / 1000);
  const due = Date.parse(crash.at) + crash.restartInMs;
  // A clock read before the crash (the banner's last tick) must not count more than the whole wait.
  return Number.isNaN(due) ? whole : Math.min(whole, Math.max(0, Math.ceil((due - nowMs) / 1000)));
}

/** What the banner says about the daemon the desktop shell runs; undefined when all is well. */
export function daemonNotice(state: DaemonStateView, nowMs: number): DaemonNotice | undefined {
  const crash = state.lastCrash;
  const detail = crash !== undefined && crash.reason.includes('\n') ? crash.reason : undefined;
  switch (state.kind) {
    case 'starting':
      return {
        tone: 'wait',
        text: state.restarts === 0 ? 'Starting the daemon…' : `Restarting the daemon (restart ${state.restarts})…`,
        detail: undefined,
      };
    case 'ready':
      if (crash === undefined) return undefined;
      return {
        tone: 'ok',
        text: `The daemon is running again. It stopped unexpectedly at ${new Date(crash.at).toLocaleTimeString()} (${firstLine(crash.reason)}).`,
        detail,
      };
    case 'crashed': {
      const reason = crash === undefined ? 'no reason given' : firstLine(crash.reason);
      const seconds = crash === undefined ? undefined : restartInSeconds(crash, nowMs);
      const when = seconds === undefined ? 'it will be restarted' : seconds === 0 ? 'restarting now' : `restarting in ${seconds} s`;
      return {
        tone: 'bad',
        text: `The daemon stopped unexpectedly (${reason}); ${when}. This window stays open and reconnects when it is back.`,
        detail,
      };
    }
    case 'stopped':
      return { tone: 'bad', text: 'The daemon has stopped. Quit SWE Fleet and open it again to start it.', detail: undefined };
  }
}
