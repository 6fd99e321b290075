/**
 * Where the window may go. It never navigates away from the app and never opens windows; a link the page
 * asks to open goes to the user's browser only when it is https to a host on the allow-list.
 */

/** Hosts the UI links to: the project, model downloads, the NATS documentation. Subdomains are not included. */
export const EXTERNAL_HOSTS: readonly string[] = ['github.com', 'huggingface.co', 'docs.nats.io'];

export type ExternalLinkDecision = { readonly open: true; readonly url: string } | { readonly open: false; readonly reason: string };

/** Whether `link` may be handed to the OS to open, and the normalised URL to hand over. */
export function externalLinkDecision(link: string, hosts: readonly string[] = EXTERNAL_HOSTS): ExternalLinkDecision {
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    return { open: false, reason: 'not a URL' };
  }
  if (url.protocol !== 'https:') return { open: false, reason: `only https links open externally, not ${url.protocol}` };
  if (url.username !== '' || url.password !== '') return { open: false, reason: 'the link carries credentials' };
  if (url.port !== '') return { open: false, reason: 'the link names a port' };
  if (!hosts.includes(url.hostname)) return { open: false, reason: `${url.hostname} is not on the allow-list (${hosts.join(', ')})` };
  return { open: true, url: url.href };
}
