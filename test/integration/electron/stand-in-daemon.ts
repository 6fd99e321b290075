// Stands in for `fleet serve --ui-port 0` in the supervisor's tests: it keeps the daemon's stdout contract
// (`ui: http://127.0.0.1:<port>/?token=<t>` once serving) and misbehaves in the ways the first argument names.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

type Mode = 'serve' | 'silent' | 'fail' | 'stubborn';
const mode = (process.argv[2] ?? 'serve') as Mode;

const keepAlive = setInterval(() => undefined, 60_000);

if (mode === 'fail') {
  console.error('data folder /tmp/x is owned by pid 4242 (fleet serve)');
  process.exit(6);
}

// A real listener, so the printed port is one a client could reach.
const server = createServer((_request, response) => response.end('ok'));
server.listen(0, '127.0.0.1', () => {
  console.log('loading model…');
  if (mode === 'silent') return;
  if (mode === 'stubborn') {
    // Leaves a process of its own behind, the way a wedged daemon would its nats-server.
    const grandchild = spawn(process.execPath, ['-e', 'setInterval(() => {}, 60000)'], { stdio: 'ignore' });
    console.log(`grandchild: ${grandchild.pid}`);
  }
  const { port } = server.address() as { port: number };
  console.log(`ui: http://127.0.0.1:${port}/?token=${randomBytes(16).toString('base64url')}`);
});

process.on('SIGTERM', () => {
  if (mode === 'stubborn') return console.log('ignoring SIGTERM');
  clearInterval(keepAlive);
  server.close();
  process.exit(0);
});
