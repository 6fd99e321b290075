import { describe, expect, it } from 'vitest';

import { externalLinkDecision } from '../../../main/electron/navigation-policy.js';

describe('links opened outside the app', () => {
  it('open when https to an allow-listed host', () => {
    expect(externalLinkDecision('https://github.com/nats-io/nats-server/releases')).toEqual({
      open: true,
      url: 'https://github.com/nats-io/nats-server/releases',
    });
    expect(externalLinkDecision('https://HuggingFace.co/x')).toEqual({ open: true, url: 'https://huggingface.co/x' });
  });

  it.each([
    ['plain http', 'http://github.com/', /only https/],
    ['a file', 'file:///etc/passwd', /only https/],
    ['javascript', 'javascript:alert(1)', /only https/],
    ['a custom scheme', 'swefleet://deliberation/x', /only https/],
    ['a host not listed', 'https://evil.example/', /evil\.example is not on the allow-list/],
    ['a look-alike host', 'https://github.com.evil.example/', /not on the allow-list/],
    ['a subdomain', 'https://gist.github.com/', /not on the allow-list/],
    ['credentials', 'https://user:pw@github.com/', /credentials/],
    ['a port', 'https://github.com:8443/', /port/],
    ['not a URL', 'github.com', /not a URL/],
  ])('stay closed for %s, with the reason', (_what, link, reason) => {
    const decision = externalLinkDecision(link);
    expect(decision.open).toBe(false);
    if (!decision.open) expect(decision.reason).toMatch(reason);
  });

  it('follow the allow-list they are given', () => {
    expect(externalLinkDecision('https://example.org/', ['example.org']).open).toBe(true);
    expect(externalLinkDecision('https://github.com/', ['example.org']).open).toBe(false);
  });
});
