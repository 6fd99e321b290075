/**
 * Text from outside (events, dead letters, model output, error messages quoting input) made safe to
 * print on a terminal. Raw control bytes there are commands, not text: ESC starts colour changes,
 * cursor moves and OSC sequences (window titles, hyperlinks, on some terminals clipboard writes), CR
 * overwrites what was printed, and bidi overrides reorder what the reader sees. Each such character
 * becomes its `\uXXXX` escape, visible and inert; since that is also JSON's escape, a JSON text stays
 * valid JSON with the same value.
 *
 * `lines` keeps newlines (a message of several lines); without it a newline is escaped too, so one
 * field cannot forge another line of output. Tabs are kept either way.
 */
export function terminalSafe(text: string, options: { readonly lines?: boolean } = {}): string {
  return text.replace(options.lines === true ? UNSAFE_KEEP_NEWLINES : UNSAFE, escape);
}

// C0 controls but tab (and newline where kept), DEL, C1 controls (0x9b is a one-byte CSI on some
// terminals), and the bidirectional embeddings, overrides and isolates.
/* eslint-disable no-control-regex -- matching control characters is the point */
const UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE_KEEP_NEWLINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
/* eslint-enable no-control-regex */

const escape = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
