import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { Command } from 'commander';
import open from 'open';

import { FleetError } from '../../core/domain/errors.js';
import { runningDaemon } from '../compose.js';
import { loadConfig } from '../config.js';
import { type CommonFlags, intOption, overridesOf, withCommonOptions } from './common-options.js';

interface UiFlags extends CommonFlags {
  uiPort?: number;
  open: boolean;
  waitSeconds: number;
}

const FLEET_BIN = join(import.meta.dirname, '..', '..', 'bin', 'fleet.js');

/** `fleet ui`: the desktop UI in the default browser, starting the daemon first when none serves the data folder. */
export function uiCommand(): Command {
  return withCommonOptions(
    new Command('ui')
      .description("open the desktop UI in the default browser; starts `fleet serve` in the background when it isn't running")
      .addOption(intOption('--ui-port <port>', 'for a daemon started now: its UI port (default 0: a free one)', 0, 65535))
      .addOption(
        intOption(
          '--wait-seconds <s>',
          'how long to wait for a daemon started now (a first model download takes a while)',
          1,
          86_400,
        ).default(600),
      )
      .option('--no-open', 'print the address only'),
  ).action(async (flags: UiFlags) => {
    const config = loadConfig(overridesOf(flags));
    let url = runningDaemon(config)?.uiUrl;
    if (url === undefined) {
      process.stderr.write(`fleet: starting the daemon for ${config.dataDir} (its log: ${join(config.dataDir, 'logs', 'fleet.log')})\n`);
      url = await startDaemonInBackground(flags, config.dataDir, flags.waitSeconds * 1000);
    }
    process.stdout.write(`ui: ${url}\n`);
    if (flags.open) await open(url);
  });
}

async function startDaemonInBackground(flags: UiFlags, dataDir: string, waitMs: number): Promise<string> {
  const args = ['serve', '--data-dir', dataDir];
  const pass = (flag: string, value: string | number | undefined): void => {
    if (value !== undefined) args.push(flag, String(value));
  };
  pass('--model', flags.model);
  pass('--threads', flags.threads);
  pass('--llm-url', flags.llmUrl);
  pass('--llm-model', flags.llmModel);
  pass('--ui-port', flags.uiPort);
  if (flags.allowInsecureDownload === true) args.push('--allow-insecure-download');
  // Its own session and no pipe to this command: it outlives `fleet ui`. What it says before it serves
  // goes to a file, read back when it fails to start.
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const errors = join(dataDir, 'ui-start.err');
  const errFd = openSync(errors, 'w', 0o600);
  const child = spawn(process.execPath, [FLEET_BIN, ...args], { detached: true, stdio: ['ignore', 'ignore', errFd] });
  closeSync(errFd);
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  child.unref();
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline) {
    const owner = runningDaemon(loadConfig({ dataDir }));
    if (owner?.uiUrl !== undefined && owner.pid === child.pid) return owner.uiUrl;
    if (exited !== undefined) {
      const said = readFileSync(errors, 'utf8').trim().split('\n').slice(-5).join('\n');
      throw new FleetError('UNAVAILABLE', `the daemon stopped before serving (exit ${exited}): ${said || 'it said nothing'}`);
    }
    await sleep(200);
  }
  throw new FleetError(
    'DEADLINE_EXCEEDED',
    `the daemon (pid ${child.pid}) did not serve within ${waitMs / 1000} s; it keeps starting: run \`fleet ui\` again later`,
  );
}
