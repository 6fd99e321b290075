import { mkdirSync } from 'node:fs';

import type { Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach } from 'vitest';

import { type Browser, launchBrowser } from '../support/browser.js';
import { SCREENSHOTS, startUiDaemon, type UiDaemon } from './harness.js';

export interface PageOnDaemon {
  readonly daemon: UiDaemon;
  readonly page: Page;
  /** For more pages (a tab without the token has its own session storage). */
  readonly browser: Browser;
}

/**
 * A Chromium page and a fresh daemon for the tests of one file, closed after them. A failed start
 * would skip the tests; each fails instead, saying how to fix it.
 */
export function pageOnDaemon(viewport = { width: 1400, height: 1000 }): PageOnDaemon {
  let fleet: UiDaemon | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  let setupError: Error | undefined;
  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    try {
      browser = await launchBrowser({ viewport });
      fleet = await startUiDaemon();
      page = await browser.context.newPage();
    } catch (error) {
      setupError = error instanceof Error ? error : new Error(String(error));
    }
  }, 60_000);
  beforeEach(() => {
    if (setupError !== undefined) throw setupError;
  });
  afterAll(async () => {
    await browser?.close();
    await fleet?.stop();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the daemon and browser did not start (see beforeAll)');
    return value;
  };
  return {
    get daemon() {
      return started(fleet);
    },
    get page() {
      return started(page);
    },
    get browser() {
      return started(browser);
    },
  };
}
