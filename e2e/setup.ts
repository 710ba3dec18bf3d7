// The setup every browser test file shares: one Chromium and one portal server
// for the file, and each test's browser contexts closed after it.
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { launchBrowser } from './browser.ts';
import { type PortalOptions, type PortalServer, startPortal } from './server.ts';

export interface BrowserAndPortal {
  /** Set once the file's beforeAll has run. */
  portal: PortalServer;
  /** Set once the file's beforeAll has run. */
  browser: Browser;
  /** Contexts a test opens; closed after each test. */
  contexts: BrowserContext[];
}

/** Registers the hooks; call once at the top of a test file (options: e.g. the portal's env). */
export function setUpBrowserAndPortal(options: PortalOptions = {}): BrowserAndPortal {
  const shared = { contexts: [] } as unknown as BrowserAndPortal;

  beforeAll(async () => {
    shared.browser = await launchBrowser();
    shared.portal = await startPortal(options);
  });

  afterAll(async () => {
    await shared.browser?.close();
    await shared.portal?.stop();
  });

  afterEach(async () => {
    await Promise.all(shared.contexts.splice(0).map((context) => context.close()));
  });

  return shared;
}
