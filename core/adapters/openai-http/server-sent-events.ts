/**
 * The data of each event in a text/event-stream body (WHATWG HTML, "server-sent events"): lines end
 * in CRLF, LF or CR; `data:` lines of one event are joined by LF; a blank line ends the event; comments
 * and other fields are skipped. An event cut off by the end of the stream is dropped, as the spec says,
 * so a truncated stream shows up as missing events rather than as half a JSON document.
 */
export async function* serverSentEvents(body: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let pending = '';
  let data: string[] = [];
  let hasData = false;

  function* feed(text: string, final: boolean): Generator<string> {
    pending += text;
    let start = 0;
    for (let i = 0; i < pending.length; i++) {
      const ch = pending[i];
      if (ch !== '\n' && ch !== '\r') continue;
      // A CR at the very end may be the first half of a CRLF split across reads.
      if (ch === '\r' && i === pending.length - 1 && !final) break;
      const line = pending.slice(start, i);
      if (ch === '\r' && pending[i + 1] === '\n') i++;
      start = i + 1;
      if (line === '') {
        if (hasData) yield data.join('\n');
        data = [];
        hasData = false;
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      if (field !== 'data') continue;
      let value = colon === -1 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      data.push(value);
      hasData = true;
    }
    pending = pending.slice(start);
  }

  for await (const bytes of body) yield* feed(decoder.decode(bytes, { stream: true }), false);
  yield* feed(decoder.decode(), true);
}
