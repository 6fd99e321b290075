import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { ROLES } from '../../domain/role.js';
import type { EventMonitor, MonitoredEvent, RoleQueue } from '../../ports/monitoring.js';
import { DEFAULT_WORKER_DURABLE, workerDurableName } from './agent-turns/agent-worker.js';
import { listDeadLetters, republishDeadLetter } from './dead-letters.js';
import { type FeedEvent, openMonitoringFeed } from './monitoring-feed.js';
import { STREAM } from './streams.js';

/** The monitoring port over one connection: the live feed, dead letters and the agent queues. */
export function createEventMonitor(nc: NatsConnection): EventMonitor {
  return {
    async follow({ subjects, sinceMs, signal }, onEvent) {
      const feed = await openMonitoringFeed({ nc, ...(sinceMs === undefined ? {} : { since: new Date(sinceMs) }) });
      const close = (): void => void feed.close();
      if (signal.aborted) close();
      signal.addEventListener('abort', close, { once: true });
      try {
        for await (const event of feed) {
          if (subjects.length === 0 || subjects.some((p) => subjectMatches(p, event.subject))) onEvent(toMonitored(event));
        }
      } finally {
        signal.removeEventListener('abort', close);
        await feed.close();
      }
    },

    async deadLetters(limit) {
      const letters = await listDeadLetters(nc, { limit });
      return letters.map((l) => ({
        seq: l.seq,
        subject: l.subject,
        reason: l.reason,
        ...(l.field === undefined ? {} : { field: l.field }),
        deadAtMs: l.deadAt.getTime(),
        original: l.data,
        truncated: l.truncated,
        ...(l.deliveries === undefined ? {} : { deliveries: l.deliveries }),
      }));
    },

    republish: (seq, corrected, remove) => republishDeadLetter(nc, seq, corrected, { remove }),

    async queues() {
      const jsm = await jetstreamManager(nc);
      return Promise.all(
        ROLES.map(async (role): Promise<RoleQueue> => {
          const info = await jsm.consumers
            .info(STREAM.AGENT_REQUESTS, workerDurableName(DEFAULT_WORKER_DURABLE, role))
            .catch(() => undefined);
          // Each worker keeps a pull request open per role it serves, so the waiting pulls count the workers.
          return { role, workers: info?.num_waiting ?? 0, pending: info?.num_pending ?? 0, inFlight: info?.num_ack_pending ?? 0 };
        }),
      );
    },
  };
}

function toMonitored(e: FeedEvent): MonitoredEvent {
  const { fields } = e.event;
  const text = (key: string): string | undefined => (typeof fields[key] === 'string' && fields[key] !== '' ? fields[key] : undefined);
  const taskId = text('task_id');
  const storyId = text('story_id');
  return {
    stream: e.stream,
    subject: e.subject,
    seq: e.seq,
    storedAtMs: e.storedAt.getTime(),
    type: e.event.type,
    form: e.event.form,
    fields,
    ...(taskId === undefined ? {} : { taskId }),
    ...(storyId === undefined ? {} : { storyId }),
  };
}

/** NATS wildcard matching: `*` one token, `>` the rest (one token or more). */
export function subjectMatches(pattern: string, subject: string): boolean {
  const want = pattern.split('.');
  const have = subject.split('.');
  for (let i = 0; i < want.length; i++) {
    if (want[i] === '>') return have.length > i;
    if (i >= have.length || (want[i] !== '*' && want[i] !== have[i])) return false;
  }
  return want.length === have.length;
}
