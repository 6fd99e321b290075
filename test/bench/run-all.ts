/**
 * `npm run bench`: the council bench (takes --model / --threads), the event-path bench, then the soak
 * (faults injected under load; counts of lost and twice-run work), then the context graph (Kuzu
 * beside SQLite). Each runs in its own process so one's llama.cpp state and timings never leak into the
 * other's. Garbage collection is exposed so that a bench can measure the heap a structure holds.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const benches: Array<[string, string[]]> = [
  ['council-bench.ts', process.argv.slice(2)],
  ['event-path-bench.ts', []],
  ['soak-bench.ts', []],
  ['ui-latency-bench.ts', []],
  ['graph-bench.ts', []],
];
for (const [file, args] of benches) {
  const script = fileURLToPath(new URL(file, import.meta.url));
  const run = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', script, ...args], { stdio: 'inherit' });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
