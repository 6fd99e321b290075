export interface JetStreamWatchdogOptions {
  /** Asks JetStream once (see jetStreamAnswers): whether it answered, or undefined when not asked now. */
  readonly answers: () => Promise<boolean | undefined>;
  /** Time between two questions, and how long one may take. */
  readonly intervalMs: number;
  /** Unanswered questions in a row that make the server wedged. */
  readonly failures: number;
  readonly onWedged: (unanswered: number) => void;
}

export interface JetStreamWatchdog {
  /** Forgets the misses so far: a new server process starts with a clean slate. */
  reset(): void;
  stop(): void;
}

/**
 * Asks JetStream a question every interval and calls `onWedged` once `failures` questions in a row
 * went unanswered. nats-server 2.9 deadlocks when a write to its store fails (a full disk):
 * publishes, JetStream API calls and /jsz then hang forever, and SIGTERM too, while /healthz still
 * says ok, so a JetStream API call is the question that tells.
 */
export function watchJetStream(options: JetStreamWatchdogOptions): JetStreamWatchdog {
  let misses = 0;
  let asking = false;
  const ask = async (): Promise<void> => {
    if (asking) return;
    asking = true;
    try {
      const answered = await options.answers();
      if (answered === undefined) return;
      misses = answered ? 0 : misses + 1;
    } catch {
      misses++;
    } finally {
      asking = false;
    }
    if (misses >= options.failures) {
      const unanswered = misses;
      misses = 0;
      options.onWedged(unanswered);
    }
  };
  const timer = setInterval(() => void ask(), options.intervalMs);
  timer.unref();
  return {
    reset: () => {
      misses = 0;
    },
    stop: () => clearInterval(timer),
  };
}
