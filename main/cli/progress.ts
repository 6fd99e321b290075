import { terminalSafe } from '../../core/base/terminal-text.js';
import type { DeliberationEvent } from '../../core/domain/events.js';

interface Out {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/**
 * Live progress on stderr: a line per phase and per finished or failed agent turn; on a terminal,
 * also a status line rewritten in place with each agent's tokens and tokens/s.
 */
export function progressPrinter(out: Out): (event: DeliberationEvent) => void {
  const started = Date.now();
  const live = new Map<string, string>();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s`;
  const clearLine = () => {
    if (out.isTTY === true) out.write('\r\x1b[K');
  };
  const line = (text: string) => {
    clearLine();
    out.write(`${elapsed()}  ${terminalSafe(text)}\n`);
  };

  return (event) => {
    switch (event.type) {
      case 'phase':
        live.clear();
        line(`── ${event.phase}${event.round === undefined ? '' : ` (round ${event.round})`}`);
        break;
      case 'agent':
        if (event.state === 'done') {
          live.delete(event.agentId);
          line(`   ${event.agentId} done (${event.tokens ?? 0} tokens, ${(event.tokensPerSecond ?? 0).toFixed(0)} tok/s)`);
        } else if (event.state === 'progress' && out.isTTY === true) {
          live.set(event.agentId, `${event.agentId} ${event.tokens ?? 0} tok ${(event.tokensPerSecond ?? 0).toFixed(0)} tok/s`);
          out.write(`\r\x1b[K${elapsed()}  ${terminalSafe([...live.values()].join(' │ '))}`);
        }
        break;
      case 'agent-failed':
        line(`   ${event.agentId} FAILED in ${event.phase}: ${event.message}`);
        break;
      case 'status':
        if (event.status !== 'IN_PROGRESS') line(`status ${event.status}`);
        break;
      case 'finished':
        clearLine();
        break;
    }
  };
}

export function downloadPrinter(out: Out): (p: { downloadedBytes: number; totalBytes?: number; name?: string }) => void {
  let lastPercent = -1;
  return (p) => {
    const mb = (b: number) => (b / 1e6).toFixed(0);
    const percent = p.totalBytes ? Math.floor((100 * p.downloadedBytes) / p.totalBytes) : undefined;
    const text = `downloading ${p.name ?? 'model'}: ${percent === undefined ? '' : `${percent}% `}(${mb(p.downloadedBytes)}${p.totalBytes ? `/${mb(p.totalBytes)}` : ''} MB)`;
    if (out.isTTY === true) {
      const width = 30;
      const filled = percent === undefined ? 0 : Math.round((percent / 100) * width);
      out.write(`\r\x1b[K[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}${percent === 100 ? '\n' : ''}`);
    } else if (percent !== undefined && (percent >= lastPercent + 10 || percent === 100) && percent !== lastPercent) {
      lastPercent = percent;
      out.write(`${text}\n`);
    }
  };
}
