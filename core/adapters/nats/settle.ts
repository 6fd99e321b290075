import type { JsMsg } from '@nats-io/jetstream';

/**
 * Sends an ack, nak, heartbeat or progress message on the connection. Once it is closed there is
 * nobody to tell, and nothing is lost: the server redelivers an unsettled message after ack_wait.
 */
export function settle(send: () => void): void {
  try {
    send();
  } catch {
    /* the server redelivers after ack_wait */
  }
}

/**
 * Keeps a message being worked on from redelivery until disposed: working() three times per ack_wait,
 * so one heartbeat lost on the way does not yet cost a redelivery. The message is asked for at every
 * beat because a redelivery of the same work may take over from the first delivery.
 */
export function heartbeat(msg: () => JsMsg, ackWaitMs: number): Disposable {
  const timer = setInterval(() => settle(() => msg().working()), Math.max(100, Math.floor(ackWaitMs / 3)));
  return { [Symbol.dispose]: () => clearInterval(timer) };
}
