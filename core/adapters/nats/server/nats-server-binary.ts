import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FleetError } from '../../../domain/errors.js';

const EXECUTABLE = process.platform === 'win32' ? 'nats-server.exe' : 'nats-server';

/** The copy a checkout may hold in its git-ignored vendor/ folder. */
export const CHECKOUT_BINARY = fileURLToPath(new URL(`../../../../vendor/nats-server/${EXECUTABLE}`, import.meta.url));

// Debian installs nats-server under /usr/sbin, which an ordinary user's PATH often lacks.
const SYSTEM_DIRS = process.platform === 'win32' ? [] : ['/usr/sbin', '/usr/local/sbin', '/usr/local/bin'];

export interface NatsServerBinary {
  readonly path: string;
  readonly source: 'bundled' | 'NATS_SERVER_BIN' | 'PATH';
}

export interface LocateNatsServerOptions {
  /** Bundled copies to prefer, first found wins (the packaged app's resources). Default: the checkout's vendor/ copy. */
  readonly bundled?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** Searched after PATH. Default: /usr/sbin, /usr/local/sbin, /usr/local/bin. */
  readonly systemDirs?: readonly string[];
}

/**
 * Finds the nats-server executable: a bundled copy first, then NATS_SERVER_BIN, then PATH.
 * Throws FleetError UNAVAILABLE saying how to install it when there is none.
 */
export function locateNatsServer(options: LocateNatsServerOptions = {}): NatsServerBinary {
  const env = options.env ?? process.env;
  for (const candidate of options.bundled ?? [CHECKOUT_BINARY]) {
    if (isExecutable(candidate)) return { path: candidate, source: 'bundled' };
  }
  const explicit = env['NATS_SERVER_BIN'];
  if (explicit !== undefined && explicit !== '') {
    // A path the user set on purpose is not silently replaced by whatever PATH holds.
    if (!isExecutable(explicit)) {
      throw new FleetError('UNAVAILABLE', `NATS_SERVER_BIN=${explicit} is not an executable file; point it at a nats-server binary`);
    }
    return { path: explicit, source: 'NATS_SERVER_BIN' };
  }
  const dirs = [...(env['PATH'] ?? '').split(delimiter).filter((d) => d !== ''), ...(options.systemDirs ?? SYSTEM_DIRS)];
  for (const dir of dirs) {
    const candidate = join(dir, EXECUTABLE);
    if (isExecutable(candidate)) return { path: candidate, source: 'PATH' };
  }
  throw new FleetError(
    'UNAVAILABLE',
    'nats-server not found (looked for a bundled copy, NATS_SERVER_BIN, then PATH and /usr/sbin). ' +
      'Install it (`apt-get install nats-server`, or a release from https://github.com/nats-io/nats-server/releases) ' +
      'or set NATS_SERVER_BIN to its path.',
  );
}

function isExecutable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
