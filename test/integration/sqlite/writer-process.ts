/**
 * A second process on the same database file, as the daemon is to a CLI reading results:
 *   crash <file>        saves an IN_PROGRESS deliberation and a turn, then dies by SIGKILL without closing
 *   churn <file> <n>    saves one deliberation n times, growing, with a turn each time, then exits
 */
import { createSqliteStores } from '../../../core/adapters/sqlite/sqlite-stores.js';
import { completedDeliberation, inProgressDeliberation, turnFixture } from './deliberation-fixture.js';

const [mode, file, count] = process.argv.slice(2);
if (file === undefined) throw new Error('usage: writer-process.ts crash|churn <file> [n]');
const stores = createSqliteStores(file);

if (mode === 'crash') {
  await stores.deliberations.save(inProgressDeliberation('crashed', 1_000));
  await stores.deliberations.appendTurn(turnFixture('crashed', 0));
  process.kill(process.pid, 'SIGKILL');
} else if (mode === 'churn') {
  const full = completedDeliberation('race', 1_000);
  const n = Number(count);
  for (let i = 1; i <= n; i++) {
    // Turn i is appended before version i (with i timings) is saved, so a reader always finds at least
    // as many turns as timings.
    const timings = Array.from({ length: i }, (_, k) => ({ phase: 'propose' as const, startedAtMs: k, finishedAtMs: k + 1 }));
    await stores.deliberations.appendTurn(turnFixture('race', i));
    await stores.deliberations.save({ ...full, status: i === n ? 'COMPLETED' : 'IN_PROGRESS', timings });
  }
  stores.close();
} else {
  throw new Error(`unknown mode ${String(mode)}`);
}
