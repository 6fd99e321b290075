import { afterEach, beforeEach } from 'vitest';
import { startTestNatsServer, type TestNatsServer } from '../../support/nats-server.js';
import { waitGone } from './processes.js';

/** A fresh nats-server for each test, stopped after it; the test fails if the server outlives it. */
export function useNatsServer(): () => TestNatsServer {
  let current: TestNatsServer | undefined;
  beforeEach(async () => {
    current = await startTestNatsServer();
  });
  afterEach(async () => {
    const pid = current?.server.pid;
    await current?.stop();
    current = undefined;
    if (pid !== undefined) await waitGone(pid, 5_000);
  });
  return () => {
    if (current === undefined) throw new Error('no nats-server: useNatsServer() runs one per test');
    return current;
  };
}
