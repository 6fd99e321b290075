import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { connectFleetClient } from '../../support/grpc-client.js';
import { type DaemonProcess, startDaemon, tempDataDir } from '../../support/fleet-process.js';

describe('two daemons side by side', () => {
  const daemons: DaemonProcess[] = [];
  afterAll(async () => {
    for (const d of daemons) expect(await d.stop()).toBe(0);
  });

  it('each gets its own data dir, gRPC port and embedded NATS, and both serve', async () => {
    const dirs = [tempDataDir(), tempDataDir()];
    for (const dir of dirs) daemons.push(await startDaemon(dir));
    expect(daemons[0]!.port).not.toBe(daemons[1]!.port);
    const natsUrls = dirs.map((dir) => (JSON.parse(readFileSync(join(dir, 'nats', 'endpoint.json'), 'utf8')) as { url: string }).url);
    expect(natsUrls[0]).not.toBe(natsUrls[1]);
    for (const d of daemons) {
      const client = connectFleetClient(`127.0.0.1:${d.port}`);
      try {
        expect(await client.health()).toBe('SERVING');
        expect((await client.listCouncils({})).councils).toHaveLength(5);
      } finally {
        client.close();
      }
    }
  });
});
