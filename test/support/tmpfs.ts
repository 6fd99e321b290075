import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmdirSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Small filesystems of a known size for disk-space tests: a tmpfs mounted on a temp folder (root
 * only; CI runs as root). Each is unmounted by `unmount`, lazily if a process still holds a file there.
 */

export interface Tmpfs {
  readonly dir: string;
  /** Bytes this process may still write there. */
  free(): number;
  /** Fills it to the last byte with `filler`; returns that file's path. */
  fill(): string;
  unmount(): void;
}

/** Why a tmpfs cannot be mounted here, or undefined when it can (tried with a 1 MiB one). */
export function tmpfsUnavailable(): string | undefined {
  try {
    mountTmpfs(1).unmount();
    return undefined;
  } catch (e) {
    return `mounting a tmpfs is not permitted here (${(e as Error).message.split('\n')[0]}); run as root`;
  }
}

export function mountTmpfs(sizeMb: number): Tmpfs {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m,mode=0700`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (e) {
    rmdirSync(dir);
    throw e;
  }
  const free = (): number => {
    const fs = statfsSync(dir);
    return fs.bavail * fs.bsize;
  };
  return {
    dir,
    free,
    fill() {
      const path = join(dir, 'filler');
      const fd = openSync(path, 'a');
      try {
        for (const chunk of [1024 * 1024, 4096]) {
          const bytes = Buffer.alloc(chunk);
          for (;;) {
            try {
              writeSync(fd, bytes);
            } catch (e) {
              if ((e as NodeJS.ErrnoException).code === 'ENOSPC') break;
              throw e;
            }
          }
        }
      } finally {
        closeSync(fd);
      }
      return path;
    },
    unmount() {
      try {
        execFileSync('umount', [dir], { stdio: 'pipe' });
      } catch {
        execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
