// Debian's Chromium driven by playwright-core, plus an axe-core accessibility check.
import { AxeBuilder } from '@axe-core/playwright';
import { type Browser, chromium, type Page } from 'playwright-core';

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
    ],
  });
}

const wcagTags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** Fails when axe finds a serious or critical WCAG 2.2 AA violation on the page. */
export async function expectAccessible(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(wcagTags).analyze();
  const blocking = results.violations.filter(
    (v) => v.impact === 'serious' || v.impact === 'critical',
  );
  if (blocking.length === 0) return;
  const report = blocking
    .map((v) => {
      const where = v.nodes.map((n) => `    ${n.target.join(' ')}: ${n.failureSummary ?? ''}`);
      return [`  [${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})`, ...where].join('\n');
    })
    .join('\n');
  throw new Error(`Accessibility violations on ${page.url()}:\n${report}`);
}

/**
 * Records problems a test should not ignore: console errors (a CSP block shows up
 * here), uncaught page errors, and any request leaving the portal's own origin.
 */
export function watchPage(page: Page, origin: string): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    // A failed load names no URL in its text; the path says which call it was.
    const { url } = message.location();
    const path = url ? ` [${new URL(url).pathname}]` : '';
    problems.push(`console: ${message.text()}${path}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.protocol.startsWith('http') && url.origin !== origin) {
      problems.push(`external request: ${request.url()}`);
    }
  });
  return problems;
}
