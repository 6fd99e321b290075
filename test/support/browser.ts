import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { type BrowserContext, chromium } from 'playwright-core';

/**
 * A real Chromium for end-to-end tests: Debian's package, driven by playwright-core. Playwright's own
 * browser downloads are never used: the machine's chromium is what `scripts/setup.sh` installs.
 */

export const CHROMIUM = process.env.FLEET_CHROMIUM ?? '/usr/bin/chromium';

/** Why no browser can be started here, in words that say how to fix it; undefined when one can. */
export function chromiumMissing(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  return `Chromium is not installed at ${CHROMIUM}: run \`bash scripts/setup.sh\` (it installs Debian's chromium package), or point FLEET_CHROMIUM at one`;
}

export interface Browser {
  readonly context: BrowserContext;
  /** Closes the browser and removes its profile folder; safe to call twice. */
  close(): Promise<void>;
}

// Headless, no sandbox (CI containers run as root), and nothing that phones home or updates itself
// in the middle of a timed test.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Starts Chromium with a fresh profile; throws with the setup advice when it is not installed. */
export async function launchBrowser(options: { viewport?: { width: number; height: number } } = {}): Promise<Browser> {
  const missing = chromiumMissing();
  if (missing !== undefined) throw new Error(missing);
  const profile = mkdtempSync(join(tmpdir(), 'fleet-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport: options.viewport ?? { width: 1280, height: 900 },
    });
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    context,
    close() {
      closing ??= context
        .close()
        .catch(() => undefined)
        .finally(() => rmSync(profile, { recursive: true, force: true }));
      return closing;
    },
  };
}
