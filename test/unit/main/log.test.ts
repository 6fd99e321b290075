import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it, vi } from 'vitest';

import { createLogger } from '../../../main/log.js';

afterEach(() => vi.restoreAllMocks());

describe('createLogger', () => {
  it('writes JSON lines to the file and readable lines to stderr from its level up', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'fleet-log-')), 'logs', 'fleet.log');
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const log = createLogger(file, 'warn');
    log.log('info', 'serving', { port: 1 });
    log.log('warn', 'event dropped', { type: 'agent' });
    expect(
      readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as unknown),
    ).toMatchObject([
      { level: 'info', message: 'serving', port: 1 },
      { level: 'warn', message: 'event dropped', type: 'agent' },
    ]);
    expect(stderr.mock.calls.map(([text]) => text)).toEqual(['[warn] event dropped type=agent\n']);
  });

  it('keeps logging to stderr when the file cannot be written, and says so once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-log-'));
    const log = createLogger(join(dir, 'logs', 'fleet.log'), 'info');
    rmSync(dir, { recursive: true, force: true });
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(() => {
      log.log('info', 'first');
      log.log('info', 'second');
    }).not.toThrow();
    const lines = stderr.mock.calls.map(([text]) => String(text));
    expect(lines.filter((l) => l.includes('cannot write the log file'))).toHaveLength(1);
    expect(lines.filter((l) => l.startsWith('[info] '))).toEqual(['[info] first\n', '[info] second\n']);
  });
});
