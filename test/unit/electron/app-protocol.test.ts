import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { contentSecurityPolicy, isAppUrl, rendererFile } from '../../../main/electron/app-protocol.js';

const ROOT = path.resolve('/opt/fleet/renderer/dist');

describe('the app:// protocol', () => {
  it('serves files under the renderer build, index.html for the root', () => {
    expect(rendererFile(ROOT, 'app://fleet/')).toBe(path.join(ROOT, 'index.html'));
    expect(rendererFile(ROOT, 'app://fleet/?api=http%3A%2F%2F127.0.0.1%3A1&token=t')).toBe(path.join(ROOT, 'index.html'));
    expect(rendererFile(ROOT, 'app://fleet/assets/index-abc.js')).toBe(path.join(ROOT, 'assets', 'index-abc.js'));
    // The URL parser resolves dot segments, `%2e` ones too, before anything else sees them: they cannot climb out.
    expect(rendererFile(ROOT, 'app://fleet/../../etc/passwd')).toBe(path.join(ROOT, 'etc', 'passwd'));
    expect(rendererFile(ROOT, 'app://fleet/%2e%2e/%2e%2e/etc/passwd')).toBe(path.join(ROOT, 'etc', 'passwd'));
  });

  it.each([
    ['encoded slashes', 'app://fleet/assets%2f..%2f..%2f..%2fetc%2fpasswd'],
    ['an encoded backslash', 'app://fleet/..%5C..%5Cetc%5Cpasswd'],
    ['a NUL byte', 'app://fleet/index.html%00.js'],
    ['a bad escape', 'app://fleet/%E0%A4%A'],
    ['another host', 'app://other/index.html'],
    ['another scheme', 'file:///opt/fleet/renderer/dist/index.html'],
  ])('serves nothing for %s', (_what, url) => {
    expect(rendererFile(ROOT, url)).toBeUndefined();
  });

  it('knows its own pages', () => {
    expect(isAppUrl('app://fleet/index.html?api=x')).toBe(true);
    expect(isAppUrl('app://fleet.evil/index.html')).toBe(false);
    expect(isAppUrl('https://fleet/')).toBe(false);
    expect(isAppUrl('not a url')).toBe(false);
  });

  it('lets the page reach only itself and the current daemon', () => {
    const csp = contentSecurityPolicy('http://127.0.0.1:40123');
    expect(csp).toContain("connect-src 'self' http://127.0.0.1:40123");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe');
    expect(csp).toContain("object-src 'none'");
    expect(contentSecurityPolicy(undefined)).toContain("connect-src 'self';");
  });
});
