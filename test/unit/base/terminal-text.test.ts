import { describe, expect, it } from 'vitest';

import { terminalSafe } from '../../../core/base/terminal-text.js';

describe('terminalSafe', () => {
  it('leaves ordinary text alone, tabs and non-Latin scripts included', () => {
    expect(terminalSafe('plan p1 → DEV\tok · 計画 ✓')).toBe('plan p1 → DEV\tok · 計画 ✓');
  });

  it('escapes ESC, OSC and CSI sequences, bell, carriage return and DEL so they print as text', () => {
    const hostile = '\x1b]0;pwned\x07\x1b[31mred\x1b[0m\rover\x7f';
    const safe = terminalSafe(hostile);
    expect(safe).toBe('\\u001b]0;pwned\\u0007\\u001b[31mred\\u001b[0m\\u000dover\\u007f');
    expect([...safe].every((c) => c >= ' ' && c < '\x7f')).toBe(true);
  });

  it('escapes C1 controls (a one-byte CSI) and bidi overrides', () => {
    expect(terminalSafe('a\u009b2Jb\u202egnp.exe')).toBe('a\\u009b2Jb\\u202egnp.exe');
  });

  it('escapes newlines unless lines are kept', () => {
    expect(terminalSafe('one\ntwo')).toBe('one\\u000atwo');
    expect(terminalSafe('one\ntwo\x1b[2J', { lines: true })).toBe('one\ntwo\\u001b[2J');
  });

  it('keeps a JSON text valid JSON with the same value', () => {
    const value = { title: 'x\u009b\u202e\x1b', n: 1 };
    const text = terminalSafe(JSON.stringify(value, null, 2), { lines: true });
    expect(['\u009b', '\u202e', '\x1b'].some((c) => text.includes(c))).toBe(false);
    expect(JSON.parse(text)).toEqual(value);
  });
});
