/**
 * UI latency bench: how long an event the daemon stores takes to show in the desktop app's Events view,
 * beside the same event's delivery to a plain stream client measured in the same run.
 *
 *   ui_event_to_page_p50_ms / _p99_ms     event published on the daemon's NATS → its row inserted in the
 *                                         Events view of a real Chromium (a MutationObserver stamps it)
 *   raw_stream_delivery_p50_ms / _p99_ms  baseline: published → received by a WatchEvents stream client
 *                                         in Node, through the same UI server and API the page calls
 *   ui_added_latency_p50_ms               the difference of the medians: what the page itself adds
 *                                         (decoding in the browser, React, the DOM)
 *
 * Events are progress events for tasks no one runs (nothing else loads the machine), one every
 * SPACING_MS so latency is measured, not a backlog. Both sides read the wall clock of this machine
 * (performance.timeOrigin + performance.now() in Node and in the page). Prints `name: value` lines.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import type { Page } from 'playwright-core';

import { type Browser, launchBrowser } from '../support/browser.js';
import { connectDaemonNats, publishMarker, startUiDaemon, type UiDaemon } from '../e2e/harness.js';

const EVENTS = 200;
const SPACING_MS = 25;
const PREFIX = 'ui-bench';

const print = (name: string, value: string, unit = ''): void => console.log(`${name}: ${value}${unit ? ` ${unit}` : ''}`);
const percentile = (xs: readonly number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
const wallNow = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// Runs in the page (the root tsconfig has no DOM types, hence a string). Stamps the first time each
// marker's task id appears in text added to the document.
const OBSERVE = `(() => {
  const seen = (window.__uiBenchSeen = new Map());
  const pattern = /${PREFIX}-[a-z0-9]+-\\d+/g;
  const note = (text) => {
    if (!text) return;
    const at = performance.timeOrigin + performance.now();
    for (const id of text.match(pattern) ?? []) if (!seen.has(id)) seen.set(id, at);
  };
  new MutationObserver((records) => {
    for (const r of records) for (const n of r.addedNodes) note(n.textContent);
  }).observe(document.body, { childList: true, subtree: true });
})()`;

async function seenInPage(page: Page): Promise<Map<string, number>> {
  const entries = await page.evaluate<[string, number][]>('[...window.__uiBenchSeen.entries()]');
  return new Map(entries);
}

async function main(): Promise<void> {
  let fleet: UiDaemon | undefined;
  let browser: Browser | undefined;
  let nc: NatsConnection | undefined;
  const stream = new AbortController();
  try {
    browser = await launchBrowser();
    fleet = await startUiDaemon();
    nc = await connectDaemonNats(fleet.dataDir);
    const page = await browser.context.newPage();
    await page.goto(fleet.url);
    await page.getByRole('navigation').getByRole('link', { name: 'Events', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Events' }).waitFor();
    await page.evaluate(OBSERVE);

    const raw = new Map<string, number>();
    const pump = (async () => {
      for await (const e of fleet.api.desktop.watchEvents({}, { signal: stream.signal })) {
        if (e.taskId.startsWith(PREFIX) && !raw.has(e.taskId)) raw.set(e.taskId, wallNow());
      }
    })().catch((error: unknown) => {
      if (!stream.signal.aborted) throw error;
    });

    // Both watchers attach asynchronously: warm-up markers until each has shown one are not counted.
    const run = Date.now().toString(36);
    for (let i = 0; ; i++) {
      const id = `${PREFIX}-${run}w-${i}`;
      await publishMarker(nc, id);
      await sleep(100);
      if (raw.has(id) && (await seenInPage(page)).has(id)) break;
      if (i > 100) throw new Error('the Events view or the stream client never showed a warm-up event');
    }

    const published = new Map<string, number>();
    for (let i = 0; i < EVENTS; i++) {
      const id = `${PREFIX}-${run}-${i}`;
      published.set(id, wallNow());
      await publishMarker(nc, id);
      await sleep(SPACING_MS);
    }
    const end = Date.now() + 30_000;
    let inPage = await seenInPage(page);
    while ([...published.keys()].some((id) => !raw.has(id) || !inPage.has(id))) {
      if (Date.now() > end) throw new Error(`not every event arrived: page ${inPage.size}, stream ${raw.size} of ${EVENTS}`);
      await sleep(100);
      inPage = await seenInPage(page);
    }

    const toPage = [...published].map(([id, at]) => inPage.get(id)! - at);
    const toStream = [...published].map(([id, at]) => raw.get(id)! - at);
    const pageP50 = percentile(toPage, 50);
    const rawP50 = percentile(toStream, 50);
    print('ui_latency_events', String(EVENTS));
    print('ui_event_to_page_p50_ms', pageP50.toFixed(1));
    print('ui_event_to_page_p99_ms', percentile(toPage, 99).toFixed(1));
    print('raw_stream_delivery_p50_ms', rawP50.toFixed(1));
    print('raw_stream_delivery_p99_ms', percentile(toStream, 99).toFixed(1));
    print('ui_added_latency_p50_ms', (pageP50 - rawP50).toFixed(1));
    print('ui_vs_raw_p50_ratio', (pageP50 / rawP50).toFixed(2), 'x');
    stream.abort();
    await pump;
  } finally {
    stream.abort();
    await nc?.close().catch(() => undefined);
    await browser?.close();
    await fleet?.stop();
  }
}

await main();
