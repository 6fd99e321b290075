import { describe, expect, it } from 'vitest';

import { DeepLinkError, deepLinkInArgs, parseDeepLink } from '../../../main/electron/deep-link.js';

describe('deep links', () => {
  it('name the deliberation of swefleet://deliberation/<task-id>', () => {
    expect(parseDeepLink('swefleet://deliberation/TASK-42')).toEqual({ kind: 'deliberation', taskId: 'TASK-42' });
    expect(parseDeepLink('swefleet://deliberation/story:7.fix_2')).toEqual({ kind: 'deliberation', taskId: 'story:7.fix_2' });
    // Windows adds a trailing slash.
    expect(parseDeepLink('swefleet://deliberation/TASK-42/')).toEqual({ kind: 'deliberation', taskId: 'TASK-42' });
  });

  it.each([
    ['not a URL', 'deliberation/TASK-42', /not a URL/],
    ['another scheme', 'https://deliberation/TASK-42', /scheme https/],
    ['another target', 'swefleet://council/TASK-42', /unknown target "council"/],
    ['no task id', 'swefleet://deliberation/', /task id/],
    ['a nested path', 'swefleet://deliberation/a/b', /task id/],
    ['an encoded character', 'swefleet://deliberation/a%20b', /task id/],
    ['a dot segment', 'swefleet://deliberation/../TASK-42', /plain form/],
    ['no slashes', 'swefleet:deliberation/TASK-42', /unknown target ""/],
    ['a query', 'swefleet://deliberation/TASK-42?x=1', /query or fragment/],
    ['a fragment', 'swefleet://deliberation/TASK-42#x', /query or fragment/],
    ['credentials', 'swefleet://u:p@deliberation/TASK-42', /credentials/],
    ['a port', 'swefleet://deliberation:80/TASK-42', /port/],
    ['a task id too long', `swefleet://deliberation/${'a'.repeat(129)}`, /at most 128/],
  ])('refuse %s, saying what was expected', (_what, link, why) => {
    expect(() => parseDeepLink(link)).toThrow(DeepLinkError);
    expect(() => parseDeepLink(link)).toThrow(why);
    expect(() => parseDeepLink(link)).toThrow('expected swefleet://deliberation/<task-id>');
  });

  it('are found among a new instance’s arguments', () => {
    expect(deepLinkInArgs(['/opt/swe-fleet', '--no-sandbox', 'swefleet://deliberation/T1'])).toBe('swefleet://deliberation/T1');
    expect(deepLinkInArgs(['/opt/swe-fleet'])).toBeUndefined();
  });
});
