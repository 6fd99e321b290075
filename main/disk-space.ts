import { closeSync, fsyncSync, lstatSync, openSync, readdirSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { FleetError } from '../core/domain/errors.js';
import type { FleetConfig } from './config.js';

/**
 * The data folder's disk: enough room to start (the event streams' budget, the database and logs), and
 * watched while running, so that a full disk stops the daemon taking work instead of wedging it.
 */

const MIB = 1024 ** 2;

/** Room the database, the logs and the built-in model need at start, beside the event streams. */
const DATA_RESERVE_BYTES = 32 * MIB;
/** Less free than this while running, and the data folder counts as full. */
const MIN_FREE_BYTES = 8 * MIB;

/** Bytes this process may still write on the disk holding `folder` (or its nearest existing parent). */
function freeBytes(folder: string): number {
  for (let dir = folder; ; dir = dirname(dir)) {
    try {
      const fs = statfsSync(dir);
      return fs.bavail * fs.bsize;
    } catch (e) {
      if (dirname(dir) === dir) throw e;
    }
  }
}

/** Bytes the files under `folder` occupy on disk; 0 when it does not exist. */
function folderBytes(folder: string): number {
  let entries: string[];
  try {
    entries = readdirSync(folder);
  } catch {
    return 0;
  }
  let total = 0;
  for (const name of entries) {
    const path = join(folder, name);
    try {
      const stat = lstatSync(path);
      total += stat.isDirectory() ? folderBytes(path) : stat.blocks * 512;
    } catch {
      /* removed meanwhile */
    }
  }
  return total;
}

const formatBytes = (bytes: number): string =>
  bytes >= 1024 * MIB ? `${(bytes / (1024 * MIB)).toFixed(1)} GiB` : `${(bytes / MIB).toFixed(1)} MiB`;

/**
 * Refuses to start (RESOURCE_EXHAUSTED, naming the folder, what is free and what is needed) when the
 * data folder's disk cannot hold what the daemon will write: with the embedded NATS its streams'
 * budget, less what the store already holds, and in every case room for the database and logs.
 */
export function checkStartSpace(config: FleetConfig): void {
  const needs: Array<{ bytes: number; what: string }> = [];
  if (config.natsUrl === undefined) {
    const stored = folderBytes(join(config.dataDir, 'nats', 'jetstream'));
    const budget = config.natsStoreMb * MIB;
    const held = stored > 0 ? `, ${formatBytes(Math.min(stored, budget))} of it already stored` : '';
    needs.push({ bytes: Math.max(0, budget - stored), what: `for the event streams (natsStoreMb ${config.natsStoreMb}${held})` });
  }
  needs.push({ bytes: DATA_RESERVE_BYTES, what: 'for the database and logs' });
  const needed = needs.reduce((sum, n) => sum + n.bytes, 0);
  const free = freeBytes(config.dataDir);
  if (free >= needed) return;
  throw new FleetError(
    'RESOURCE_EXHAUSTED',
    `not enough free disk for the data folder ${config.dataDir}: ${formatBytes(free)} free, ${formatBytes(needed)} needed ` +
      `(${needs.map((n) => `${formatBytes(n.bytes)} ${n.what}`).join(', ')}). Free some space` +
      `${config.natsUrl === undefined ? ', lower --nats-store-mb (FLEET_NATS_STORE_MB)' : ''} or choose another --data-dir.`,
  );
}

export interface DiskWatchOptions {
  readonly folder: string;
  /** Default MIN_FREE_BYTES; twice this must be free again before the folder counts as writable. */
  readonly minFreeBytes?: number;
  /** How often the free space is read while writable, and the probes run while not. Default 1000. */
  readonly intervalMs?: number;
  /** What else must work again before the folder counts as writable (JetStream answering); each throws when not. */
  readonly probes?: ReadonlyArray<() => Promise<void>>;
  /** The folder became full (with why), or writable again (undefined). */
  readonly onChange: (failure: FleetError | undefined) => void;
}

export interface DiskWatch {
  /** A write failed for want of room (SQLITE_FULL): full until the probes pass again. */
  report(error: FleetError): void;
  stop(): void;
}

/**
 * Watches the data folder's disk: full when less than the minimum is free or a write said so; writable
 * again once twice the minimum is free, a probe file can be written and synced there, and the probes
 * pass. The free space is read every interval (one statfs), so a disk filled by another program is
 * noticed before a write of ours fails on it.
 */
export function watchDisk(options: DiskWatchOptions): DiskWatch {
  const { folder, onChange } = options;
  const minFree = options.minFreeBytes ?? MIN_FREE_BYTES;
  let failure: FleetError | undefined;
  let checking = false;

  const change = (next: FleetError | undefined): void => {
    if (next === failure) return;
    failure = next;
    onChange(next);
  };
  const full = (free: number): FleetError =>
    new FleetError(
      'RESOURCE_EXHAUSTED',
      `disk full: ${folder} (${formatBytes(free)} free; the daemon stops taking work below ${formatBytes(minFree)})`,
    );
  const writable = async (): Promise<boolean> => {
    if (freeBytes(folder) < 2 * minFree) return false;
    try {
      writeProbe(folder);
      for (const probe of options.probes ?? []) await probe();
      return true;
    } catch {
      return false;
    }
  };
  const check = async (): Promise<void> => {
    if (checking) return;
    checking = true;
    try {
      if (failure === undefined) {
        const free = freeBytes(folder);
        if (free < minFree) change(full(free));
      } else if (await writable()) {
        change(undefined);
      }
    } catch {
      // statfs failing, or the owner's recovery finding the disk full again (it reported that): checked again next time.
    } finally {
      checking = false;
    }
  };
  const timer = setInterval(() => void check(), options.intervalMs ?? 1_000);
  timer.unref();
  return {
    report(error) {
      if (failure === undefined) change(error);
    },
    stop: () => clearInterval(timer),
  };
}

const PROBE_BYTES = 256 * 1024;

/** Writes, syncs and removes a small file: throws (ENOSPC) when the disk has no room for it. */
function writeProbe(folder: string): void {
  const path = join(folder, '.write-probe');
  const fd = openSync(path, 'w', 0o600);
  try {
    writeSync(fd, Buffer.alloc(PROBE_BYTES));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
    rmSync(path, { force: true });
  }
}
