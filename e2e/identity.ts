// Helpers for the identity browser tests: browser contexts that are closed
// after each test, axe on every page, TOTP codes, and the sign-in steps.
import { generateSync } from 'otplib';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import { DEMO_PASSWORD, DEMO_TOTP_SECRET } from '../src/modules/accounts/demo.ts';
import { resources } from '../web/src/i18n/resources.ts';
import { expectAccessible, watchPage } from './browser.ts';

export { DEMO_PASSWORD, DEMO_TOTP_SECRET };
export type Texts = typeof resources.en;
export const texts = resources;

export const demoEmail = (role: string) => `${role}@demo.portal.test`;

export interface OpenedPage {
  context: BrowserContext;
  page: Page;
  problems: string[];
}

/** A fresh browser context (its own cookies: a different person at another computer). */
export async function openPage(
  browser: Browser,
  origin: string,
  contexts: BrowserContext[],
  options: { locale?: string; width?: number } = {},
): Promise<OpenedPage> {
  const context = await browser.newContext({
    locale: options.locale ?? 'en-US',
    viewport: { width: options.width ?? 1280, height: 900 },
  });
  contexts.push(context);
  const page = await context.newPage();
  return { context, page, problems: watchPage(page, origin) };
}

const h1 = (page: Page) => page.getByRole('heading', { level: 1 });

/** Waits for the page's h1, checks the title follows it, and runs axe. */
export async function onPage(page: Page, heading: string): Promise<void> {
  await expect.poll(() => h1(page).textContent(), { timeout: 15_000 }).toBe(heading);
  await expectAccessible(page);
}

// TOTP codes are accepted once per 30-second step per account, and one step
// early or late. A test may sign in to one account several times, so it asks
// for a step that account has not used yet (waiting for one if need be).
const usedSteps = new Map<string, number>();

export async function nextTotp(secret: string, account = secret): Promise<string> {
  for (;;) {
    const now = Math.floor(Date.now() / 1000 / 30);
    const step = Math.max(now, (usedSteps.get(account) ?? -1) + 1);
    if (step <= now + 1) {
      usedSteps.set(account, step);
      return generateSync({ secret, epoch: step * 30 });
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

export async function fillSignIn(page: Page, t: Texts, email: string, password: string) {
  await page.getByLabel(t.signIn.email).fill(email);
  await page.getByLabel(t.signIn.password, { exact: true }).fill(password);
  await page.getByRole('button', { name: t.signIn.submit, exact: true }).click();
}

/** Password, then the authenticator code: the way staff sign in. */
export async function signInWithTotp(
  page: Page,
  t: Texts,
  origin: string,
  email: string,
  password: string,
  secret: string,
) {
  await page.goto(`${origin}/sign-in`);
  await onPage(page, t.signIn.title);
  await fillSignIn(page, t, email, password);
  await onPage(page, t.mfa.title);
  await page.getByLabel(t.mfa.code).fill(await nextTotp(secret, email));
  await page.getByRole('button', { name: t.mfa.submit }).click();
}

/** A demo staff account (`npm start` prints them) signs in with its password and authenticator code. */
export const signInAsDemoStaff = (page: Page, t: Texts, origin: string, role: string) =>
  signInWithTotp(page, t, origin, demoEmail(role), DEMO_PASSWORD, DEMO_TOTP_SECRET);

export async function signOut(page: Page, t: Texts) {
  await page
    .getByRole('banner')
    .getByRole('button', { name: t.header.signOut, exact: true })
    .click();
  await onPage(page, t.signIn.title);
  await expect
    .poll(() => page.getByRole('status').first().textContent())
    .toBe(t.signIn.notice.signedOut);
}

export const isFocused = (target: Locator) =>
  target.evaluate((el) => el === document.activeElement);

/** Presses Tab until the target has focus, as a keyboard user would. */
export async function tabTo(page: Page, target: Locator, maxPresses = 25): Promise<void> {
  for (let i = 0; i < maxPresses; i++) {
    await page.keyboard.press('Tab');
    if (await isFocused(target)) return;
  }
  throw new Error(`not reached after ${maxPresses} presses of Tab`);
}

export async function chooseLanguage(page: Page, lang: 'en' | 'es') {
  const t = texts[lang === 'en' ? 'es' : 'en'];
  await page.getByRole('button', { name: t.language[lang] }).click();
  await expect.poll(() => page.evaluate(() => document.documentElement.lang)).toBe(lang);
}
