import { describe, expect, it } from 'vitest';

import { CHANNELS, nextDaemonStateView, OpenExternalRequest, parseIpcPayload } from '../../../main/electron/ipc-schema.js';

describe('IPC payloads', () => {
  it('pass through when they have the expected shape', () => {
    expect(parseIpcPayload(CHANNELS.openExternal, OpenExternalRequest, { url: 'https://github.com/' })).toEqual({
      url: 'https://github.com/',
    });
  });

  it.each([
    ['a wrong type', { url: 42 }, /^fleet:open-external: invalid payload: url: Invalid input: expected string, received number$/],
    ['a missing field', {}, /url: Invalid input: expected string, received undefined/],
    ['an unknown field', { url: 'https://github.com/', shell: 'rm -rf' }, /\(payload\): Unrecognized key: "shell"/],
    ['no object at all', 'https://github.com/', /\(payload\): Invalid input: expected object, received string/],
    ['an oversized field', { url: `https://github.com/${'a'.repeat(3000)}` }, /url: Too big/],
  ])('are refused for %s, the field named', (_what, payload, message) => {
    expect(() => parseIpcPayload(CHANNELS.openExternal, OpenExternalRequest, payload)).toThrow(message);
  });
});

describe('the daemon state the page sees', () => {
  const at = new Date('2026-01-02T03:04:05Z');

  it('carries the API while ready and remembers the last crash after the restart', () => {
    let view = nextDaemonStateView(
      { kind: 'starting', restarts: 0 },
      { kind: 'ready', url: 'u', origin: 'http://127.0.0.1:1', token: 't' },
      at,
    );
    expect(view).toEqual({ kind: 'ready', restarts: 0, api: { origin: 'http://127.0.0.1:1', token: 't' } });

    view = nextDaemonStateView(
      view,
      { kind: 'crashed', code: null, signal: 'SIGSEGV', reason: 'the daemon exited with signal SIGSEGV', restartInMs: 500 },
      at,
    );
    expect(view).toEqual({
      kind: 'crashed',
      restarts: 1,
      lastCrash: { reason: 'the daemon exited with signal SIGSEGV', at: '2026-01-02T03:04:05.000Z', restartInMs: 500 },
    });

    view = nextDaemonStateView(view, { kind: 'starting', attempt: 2 }, at);
    view = nextDaemonStateView(view, { kind: 'ready', url: 'u2', origin: 'http://127.0.0.1:2', token: 't2' }, at);
    expect(view).toMatchObject({ kind: 'ready', restarts: 1, api: { origin: 'http://127.0.0.1:2' }, lastCrash: { restartInMs: 500 } });
  });
});
