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
