/**
 * An agent worker in its own process, for tests that kill it: connects to FLEET_NATS_URL (token in
 * FLEET_NATS_TOKEN), serves scripted turns that take FLEET_TURN_MS each, and prints one JSON line when
 * ready and one per turn started, so the test knows when a kill lands mid-turn.
 */
import { startAgentWorker } from '../../../core/adapters/nats/agent-turns/agent-worker.js';
import { connectNats } from '../../../core/adapters/nats/connect.js';
import { scriptedTurns } from './scripted-turns.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};
const print = (line: object): boolean => process.stdout.write(`${JSON.stringify(line)}\n`);

const nc = await connectNats({ url: env('FLEET_NATS_URL'), token: env('FLEET_NATS_TOKEN'), name: `worker-process-${process.pid}` });
await startAgentWorker({
  nc,
  turns: scriptedTurns({ delayMs: Number(env('FLEET_TURN_MS')), onStart: (method, agentId) => print({ started: `${method}:${agentId}` }) }),
  ackWaitMs: Number(env('FLEET_ACK_WAIT_MS')),
});
print({ ready: process.pid });
