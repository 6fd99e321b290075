/** Deep links the desktop app answers: `swefleet://deliberation/<task-id>`, nothing else. */

export const DEEP_LINK_SCHEME = 'swefleet';

// The same rule as core/domain/validation.ts (a shell may not import core): a task id the daemon accepts.
const TASK_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export type DeepLink = { readonly kind: 'deliberation'; readonly taskId: string };

export class DeepLinkError extends Error {
  override readonly name = 'DeepLinkError';
}

/** The link's target, or a DeepLinkError saying what is wrong with it. */
export function parseDeepLink(link: string): DeepLink {
  const refuse = (why: string): never => {
    throw new DeepLinkError(
      `not a SWE Fleet link (${why}): expected ${DEEP_LINK_SCHEME}://deliberation/<task-id>, got ${JSON.stringify(link.slice(0, 200))}`,
    );
  };
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    return refuse('not a URL');
  }
  if (url.protocol !== `${DEEP_LINK_SCHEME}:`) refuse(`scheme ${url.protocol.slice(0, -1)}`);
  if (url.username !== '' || url.password !== '' || url.port !== '') refuse('it carries credentials or a port');
  if (url.search !== '' || url.hash !== '') refuse('it carries a query or fragment');
  if (url.hostname !== 'deliberation') refuse(`unknown target "${url.hostname}"`);
  // Windows hands the link over with a trailing slash added.
  const taskId = url.pathname.replace(/^\//, '').replace(/\/$/, '');
  if (!TASK_ID.test(taskId)) refuse('the task id must be letters, digits, ".", "_", ":" or "-", at most 128 characters');
  // URL parsing forgives (`..` segments, a missing `//`); the link itself must already be the plain form.
  if (link.replace(/\/$/, '') !== `${DEEP_LINK_SCHEME}://deliberation/${taskId}`) refuse('it is not in plain form');
  return { kind: 'deliberation', taskId };
}

/** The first deep link among command-line arguments (Windows and Linux pass the link to a new instance this way). */
export function deepLinkInArgs(argv: readonly string[]): string | undefined {
  return argv.find((arg) => arg.startsWith(`${DEEP_LINK_SCHEME}://`));
}
