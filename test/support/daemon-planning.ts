import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';

export type Json = Record<string, unknown>;

/** Polls `probe` until it answers something, or fails naming `what`. */
export async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The flat events a stream holds so far, as they are on the wire. */
export async function storedEvents(nc: NatsConnection, stream = 'PLANNING_EVENTS'): Promise<{ subject: string; fields: Json }[]> {
  const js = jetstream(nc);
  const consumer = await js.consumers.get(stream, { deliver_policy: DeliverPolicy.All });
  const out: { subject: string; fields: Json }[] = [];
  const messages = await consumer.fetch({ max_messages: 1000, expires: 1_000 });
  for await (const m of messages) {
    out.push({ subject: m.subject, fields: m.json<Json>() });
    if (m.info.pending === 0) break;
  }
  return out;
}

/** The story text planning scores 100 on the Definition of Ready (with a secret in it, to be redacted). */
export const SECRET = 'sk-live-0123456789abcdefXYZ';
export const READY_BRIEF = [
  'As a clerk I want to refund a card payment so that customers get their money back the same day.',
  `The sandbox gateway answers with api_key=${SECRET} for now.`,
  '',
  'Acceptance criteria:',
  '- Given a settled payment When the clerk refunds it Then the customer receives the amount within 1 day',
  '- Given a refunded payment When the clerk refunds it again Then the second refund is refused',
].join('\n');
