import { connect, type NatsConnection } from '@nats-io/transport-node';

/**
 * Whether the server's JetStream answers a question (`$JS.API.INFO`) within `timeoutMs`, asked on the
 * client port with the token, so the unauthenticated monitoring port can stay closed. nats-server 2.9
 * deadlocks JetStream when a write to its store fails (a full disk): the question then goes unanswered
 * while the server still takes connections.
 */
export async function jetStreamAnswers(url: string, token: string, timeoutMs: number): Promise<boolean> {
  let nc: NatsConnection | undefined;
  try {
    nc = await connect({ servers: url, token, name: 'fleet-probe', timeout: timeoutMs, reconnect: false });
    const reply = await nc.request('$JS.API.INFO', undefined, { timeout: timeoutMs });
    return reply.json<{ error?: unknown }>().error === undefined;
  } catch {
    return false;
  } finally {
    // Not awaited: a wedged server may never confirm the close.
    void nc?.close().catch(() => undefined);
  }
}
