import { appendFileSync, chmodSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

import { terminalSafe } from '../core/base/terminal-text.js';
import type { Log, LogLevel } from '../core/ports/log.js';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  /** A plain function (no `this`), so it can be handed to adapters as their Log as it is. */
  readonly log: Log;
}

/**
 * Structured JSON lines to a file in the data dir (for support and post-mortems), and a readable line
 * on stderr at or above `stderrLevel`. Nothing in core/ logs; the edges do.
 */
export function createLogger(file: string | undefined, stderrLevel: LogLevel | 'silent' = 'info'): Logger {
  if (file !== undefined) {
    // Log lines quote tasks and errors: the folders made here are owner-only, the file 0600 (also
    // when an earlier version left it readable by others).
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    try {
      chmodSync(file, 0o600);
    } catch {
      /* not there yet (it is created 0600), or not ours */
    }
  }
  const toStderr = (level: LogLevel, message: string, fields: Record<string, unknown>): void => {
    if (stderrLevel === 'silent' || ORDER[level] < ORDER[stderrLevel]) return;
    const extra = Object.entries(fields)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    // Fields carry text from outside (event payloads, model and server answers): escaped for the terminal.
    process.stderr.write(`[${level}] ${terminalSafe(message, { lines: true })}${extra === '' ? '' : ` ${terminalSafe(extra)}`}\n`);
  };
  let fileFailed = false;
  return {
    log(level, message, fields = {}) {
      if (file !== undefined) {
        try {
          appendFileSync(file, `${JSON.stringify({ time: new Date().toISOString(), level, message, ...fields })}\n`, { mode: 0o600 });
        } catch (error) {
          // Adapters log from event handlers and timers: a full disk or a removed data dir must cost
          // the log file, not the process. Said once; later lines still try the file.
          if (!fileFailed) toStderr('warn', 'cannot write the log file', { file, error: (error as Error).message });
          fileFailed = true;
        }
      }
      toStderr(level, message, fields);
    },
  };
}
