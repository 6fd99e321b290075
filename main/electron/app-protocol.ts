import path from 'node:path';

/**
 * The renderer is served from `app://fleet/`, not `file://`: a standard, secure origin of its own, so the
 * page gets no file-system reach, a CSP applies to every response, and the daemon's CORS can name it.
 */

export const APP_SCHEME = 'app';
export const APP_HOST = 'fleet';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/** Whether `link` is a page of the app. (Node's URL gives custom schemes the origin "null", so the parts are compared.) */
export function isAppUrl(link: string): boolean {
  try {
    const url = new URL(link);
    return url.protocol === `${APP_SCHEME}:` && url.host === APP_HOST;
  } catch {
    return false;
  }
}

/** The file under `root` an `app://fleet/...` request asks for, or undefined for any other URL or a path that leaves `root`. */
export function rendererFile(root: string, requestUrl: string): string | undefined {
  if (!isAppUrl(requestUrl)) return undefined;
  const url = new URL(requestUrl);
  let relative: string;
  try {
    relative = decodeURIComponent(url.pathname);
  } catch {
    return undefined;
  }
  // Escaped dot segments and separators survive URL parsing; a built renderer never asks for them.
  if (/[\0\\]/.test(relative) || relative.split('/').some((segment) => segment === '..' || segment === '.')) return undefined;
  const file = path.resolve(root, `.${relative === '/' ? '/index.html' : relative}`);
  return file.startsWith(path.resolve(root) + path.sep) ? file : undefined;
}

/**
 * The page may load only its own files and talk only to the daemon's API origin (which changes with each
 * daemon start, so the policy is made per response). No inline script, no eval, no plugins, no framing.
 */
export function contentSecurityPolicy(apiOrigin: string | undefined): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self'${apiOrigin === undefined ? '' : ` ${apiOrigin}`}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
