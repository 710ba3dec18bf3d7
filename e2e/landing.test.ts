import type { Locator, Page } from 'playwright-core';
import { beforeAll, expect, test } from 'vitest';
import en from '../web/src/i18n/locales/en.json' with { type: 'json' };
import es from '../web/src/i18n/locales/es.json' with { type: 'json' };
import { expectAccessible, watchPage } from './browser.ts';
import { setUpBrowserAndPortal } from './setup.ts';

interface Clinic {
  name: string;
  hours: { weekday: number }[];
}

const e2e = setUpBrowserAndPortal();
let clinics: Clinic[];

beforeAll(async () => {
  // Fail early and clearly if the server has no built web app to serve.
  const home = await fetch(e2e.portal.url);
  expect(home.status, 'GET / should serve dist/web/index.html').toBe(200);
  expect(await home.text()).toContain('<div id="root">');
  const response = await fetch(`${e2e.portal.url}/api/clinics`);
  expect(response.status).toBe(200);
  clinics = ((await response.json()) as { clinics: Clinic[] }).clinics;
});

async function openPage(options: { locale?: string; width?: number } = {}) {
  const context = await e2e.browser.newContext({
    locale: options.locale ?? 'en-US',
    viewport: { width: options.width ?? 1280, height: 800 },
  });
  e2e.contexts.push(context);
  const page = await context.newPage();
  const problems = watchPage(page, e2e.portal.url);
  return { page, problems };
}

async function waitForClinics(page: Page): Promise<void> {
  for (const { name } of clinics) {
    await page.getByRole('heading', { level: 3, name, exact: true }).waitFor();
  }
}

const htmlLang = (page: Page) => page.evaluate(() => document.documentElement.lang);
const h1 = (page: Page) => page.getByRole('heading', { level: 1 }).textContent();
const isFocused = (target: Locator) => target.evaluate((el) => el === document.activeElement);

/** Presses Tab until the target has focus, as a keyboard user would. */
async function tabTo(page: Page, target: Locator, maxPresses = 15): Promise<void> {
  for (let i = 0; i < maxPresses; i++) {
    await page.keyboard.press('Tab');
    if (await isFocused(target)) return;
  }
  throw new Error(`not reached after ${maxPresses} presses of Tab`);
}

test('the landing page lists the clinics from the API, in English', async () => {
  const { page, problems } = await openPage();
  await page.goto(e2e.portal.url);
  await waitForClinics(page);

  expect(await htmlLang(page)).toBe('en');
  expect(await page.title()).toBe(en.app.name);
  expect(await h1(page)).toBe(en.landing.title);
  await expect(page.locator('a[href^="tel:"]').count()).resolves.toBe(clinics.length);
  await expect(page.locator('.clinic address').count()).resolves.toBe(clinics.length);
  // Seven days per clinic, Monday first; days without hours say so.
  await expect(page.locator('.hours dt').first().textContent()).resolves.toBe('Monday');
  await expect(page.locator('.hours dt').count()).resolves.toBe(7 * clinics.length);
  const closedDays = clinics.flatMap((c) =>
    [1, 2, 3, 4, 5, 6, 7].filter((day) => !c.hours.some((h) => h.weekday === day)),
  );
  await expect(page.getByText(en.clinics.closed, { exact: true }).count()).resolves.toBe(
    closedDays.length,
  );

  await expectAccessible(page);
  expect(problems).toEqual([]);
});

test('Spanish can be chosen with the keyboard alone and is remembered', async () => {
  const { page, problems } = await openPage();
  await page.goto(e2e.portal.url);
  await waitForClinics(page);

  const spanish = page.getByRole('button', { name: en.language.es });
  await tabTo(page, spanish);
  await page.keyboard.press('Enter');
  await expect.poll(() => htmlLang(page)).toBe('es');
  expect(await h1(page)).toBe(es.landing.title);
  expect(await page.title()).toBe(es.app.name);
  expect(await spanish.getAttribute('aria-pressed')).toBe('true');
  await expect(page.locator('.hours dt').first().textContent()).resolves.toBe('lunes');
  await expectAccessible(page);

  await page.reload();
  await waitForClinics(page);
  expect(await htmlLang(page)).toBe('es');
  expect(await h1(page)).toBe(es.landing.title);
  expect(await page.evaluate(() => localStorage.getItem('portal.lang'))).toBe('es');
  await expectAccessible(page);

  // And back, this time with the space bar.
  const english = page.getByRole('button', { name: es.language.en });
  await tabTo(page, english);
  await page.keyboard.press('Space');
  await expect.poll(() => htmlLang(page)).toBe('en');
  expect(await h1(page)).toBe(en.landing.title);
  expect(problems).toEqual([]);
});

test('the skip link is the first Tab stop and moves focus to main', async () => {
  const { page, problems } = await openPage();
  await page.goto(e2e.portal.url);
  await waitForClinics(page);

  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: en.app.skipToMain });
  expect(await isFocused(skip)).toBe(true);
  const box = await skip.boundingBox();
  expect(box?.y ?? -1).toBeGreaterThanOrEqual(0); // shown on screen while focused
  await expectAccessible(page);

  await page.keyboard.press('Enter');
  await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('main');
  // The next Tab continues inside main, not back in the header.
  await page.keyboard.press('Tab');
  expect(await page.evaluate(() => document.activeElement?.closest('main') !== null)).toBe(true);
  expect(problems).toEqual([]);
});

test.each([
  ['en', 'en-US'],
  ['es', 'es-MX'],
])(
  'at 360 px wide nothing scrolls sideways (%s, from the browser language)',
  async (lang, locale) => {
    const { page, problems } = await openPage({ locale, width: 360 });
    await page.goto(e2e.portal.url);
    await waitForClinics(page);

    expect(await htmlLang(page)).toBe(lang);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      360,
    );
    await expectAccessible(page);
    expect(problems).toEqual([]);
  },
);

test('an unknown address shows a friendly not-found page with a way home', async () => {
  const { page, problems } = await openPage();
  await page.goto(`${e2e.portal.url}/no/such/page`);

  expect(await h1(page)).toBe(en.notFound.title);
  expect(await page.title()).toBe(`${en.notFound.title} · ${en.app.name}`);
  await expectAccessible(page);

  await page.getByRole('link', { name: en.notFound.home }).click();
  await waitForClinics(page);
  expect(new URL(page.url()).pathname).toBe('/');
  expect(problems).toEqual([]);
});

test('when the clinic list fails to load, the page says so and can retry', async () => {
  const { page } = await openPage();
  let failuresLeft = 2; // the first load and its one automatic retry
  await page.route('**/api/clinics', (route) =>
    failuresLeft-- > 0
      ? route.fulfill({
          status: 503,
          contentType: 'application/json',
          body: JSON.stringify({ error: { code: 'unavailable', message: 'Try again later.' } }),
        })
      : route.continue(),
  );
  await page.goto(e2e.portal.url);

  const retry = page.getByRole('button', { name: en.clinics.retry });
  await retry.waitFor();
  expect(await page.getByRole('status').textContent()).toBe(en.clinics.error);
  await expectAccessible(page);

  await retry.click();
  await waitForClinics(page);
  expect(await retry.count()).toBe(0);
  // Focus moves from the vanished button to the list's heading.
  expect(await page.evaluate(() => document.activeElement?.id)).toBe('clinics-heading');
});
