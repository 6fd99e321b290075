import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentWorkerActivity } from '../../../core/adapters/nats/agent-turns/agent-worker.js';
import { useNatsServer } from '../nats/nats-fixture.js';
import { isAlive, waitFor, waitGone } from '../nats/processes.js';
import { fleetOn, useAgentTurns } from './agent-fixture.js';
import { scriptedTurns } from './scripted-turns.js';

const nats = useNatsServer();
const agents = useAgentTurns();
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.pid !== undefined && isAlive(child.pid)) child.kill('SIGKILL');
    if (child.pid !== undefined) await waitGone(child.pid, 5_000);
  }
});

const workerScript = fileURLToPath(new URL('./worker-process.ts', import.meta.url));
const ACK_WAIT_MS = 1_000;

/** Starts worker-process.ts; resolves once it serves, collecting the turns it starts. */
function startWorkerProcess(url: string, token: string, turnMs: number): Promise<{ child: ChildProcess; started: string[] }> {
  const child = spawn(process.execPath, ['--import', 'tsx', workerScript], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      FLEET_NATS_URL: url,
      FLEET_NATS_TOKEN: token,
      FLEET_TURN_MS: String(turnMs),
      FLEET_ACK_WAIT_MS: String(ACK_WAIT_MS),
    },
  });
  children.push(child);
  const started: string[] = [];
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr?.on('data', (b: Buffer) => (err += b.toString()));
    child.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
      const lines = out.split('\n');
      out = lines.pop() ?? '';
      for (const line of lines) {
        const msg = JSON.parse(line) as { ready?: number; started?: string };
        if (msg.started !== undefined) started.push(msg.started);
        if (msg.ready !== undefined) resolve({ child, started });
      }
    });
    child.once('exit', (code, signal) => reject(new Error(`worker process exited early (${code ?? signal}): ${err}`)));
  });
}

describe('an agent worker killed mid-generation', () => {
  it('loses its requests to a second worker after ack_wait, and the deliberation completes', async () => {
    const orchestrator = await nats().connect();
    const { url, token } = nats().server;
    const fleet = await fleetOn(agents.requester(orchestrator));

    const first = await startWorkerProcess(url, token, 60_000);
    const running = fleet.deliberations.deliberate({
      taskId: 'survives-a-crash',
      description: 'Add rate limiting to the login endpoint',
      role: 'DEV',
      numAgents: 2,
      rounds: 0,
    });
    await waitFor(() => first.started.length === 2, 'both proposals running in the first worker');
    first.child.kill('SIGKILL');
    await waitGone(first.child.pid!);
    const killedAt = Date.now();

    const activity: AgentWorkerActivity[] = [];
    const second = scriptedTurns();
    await agents.worker(await nats().connect(), second, { ackWaitMs: ACK_WAIT_MS, onActivity: (a) => activity.push(a) });
    const d = await running;

    expect(d.status).toBe('COMPLETED');
    expect(d.failures).toEqual([]);
    expect(d.results.map((r) => r.proposal.authorId).sort()).toEqual(['dev-1', 'dev-2']);
    // The proposals were the killed worker's: the second got them as redeliveries, no sooner than ack_wait allows.
    const redelivered = activity.filter((a) => a.type === 'started' && a.phase === 'propose');
    expect(redelivered.map((a) => a.type === 'started' && a.delivery)).toEqual([2, 2]);
    expect(second.calls.filter((c) => c.method === 'propose')).toHaveLength(2);
    expect(Date.now() - killedAt).toBeLessThan(10_000);
  });
});
