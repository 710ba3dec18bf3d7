// Sessions in the browser: signing in with the keyboard alone, the idle
// warning and automatic sign-out (with Playwright's fake clock), passkeys
// (Chromium's virtual authenticator), caregivers switching records, and the
// "confirm it's you" step before a password change.
import type { Page } from 'playwright-core';
import { expect, test } from 'vitest';
import { expectAccessible } from './browser.ts';
import {
  DEMO_PASSWORD,
  DEMO_TOTP_SECRET,
  demoEmail,
  fillSignIn,
  isFocused,
  nextTotp,
  onPage,
  openPage,
  signOut,
  tabTo,
  texts,
} from './identity.ts';
import { setUpBrowserAndPortal } from './setup.ts';

const t = texts.en;
const e2e = setUpBrowserAndPortal();

const open = (options: { locale?: string; width?: number } = {}) =>
  openPage(e2e.browser, e2e.portal.url, e2e.contexts, options);

/** A demo patient or caregiver: password, then "Not now" to the second-factor offer. */
async function signInSkippingMfa(page: Page, role: 'patient' | 'proxy') {
  await page.goto(`${e2e.portal.url}/sign-in`);
  await onPage(page, t.signIn.title);
  await fillSignIn(page, t, demoEmail(role), DEMO_PASSWORD);
  await onPage(page, t.offer.title);
  await page.getByRole('button', { name: t.offer.notNow }).click();
  // Home has loaded: a click before then would be overtaken by the way home.
  const greeting = t.home.greeting.split('{{name}}')[0] as string;
  await page.getByRole('heading', { level: 1, name: new RegExp(`^${greeting}`) }).waitFor();
}

const outlineOf = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement as HTMLElement;
    const style = getComputedStyle(el);
    return { style: style.outlineStyle, width: Number.parseFloat(style.outlineWidth) };
  });

test('a nurse signs in with the keyboard alone, password and authenticator code', async () => {
  const { page, problems } = await open();
  await page.goto(`${e2e.portal.url}/sign-in`);
  await onPage(page, t.signIn.title);

  await tabTo(page, page.getByLabel(t.signIn.email));
  await page.keyboard.type(demoEmail('nurse'));
  await page.keyboard.press('Tab');
  expect(await isFocused(page.getByLabel(t.signIn.password, { exact: true }))).toBe(true);
  await page.keyboard.type(DEMO_PASSWORD);
  await tabTo(page, page.getByRole('button', { name: t.signIn.submit, exact: true }));
  // The focus ring is visible (WCAG 2.4.7).
  expect(await outlineOf(page)).toMatchObject({ style: 'solid' });
  await page.keyboard.press('Enter');

  await onPage(page, t.mfa.title);
  await tabTo(page, page.getByLabel(t.mfa.code));
  await page.keyboard.type(await nextTotp(DEMO_TOTP_SECRET, demoEmail('nurse')));
  await page.keyboard.press('Enter');
  await onPage(page, t.staffSearch.title);
  const nav = page.getByRole('navigation', { name: t.nav.label });
  expect(await nav.getByRole('link').allTextContents()).toEqual([
    t.nav.patients,
    t.nav.inbox,
    t.nav.schedule,
    t.nav.requests,
    t.nav.checkIns,
    t.nav.refills,
    t.nav.account,
  ]);
  expect(await page.locator('.user-menu__name').textContent()).toContain('Priya Ansel');
  expect(problems).toEqual([]);
});

test('a wrong password is explained in the error summary, which takes focus', async () => {
  const { page } = await open();
  await page.goto(`${e2e.portal.url}/sign-in`);
  await onPage(page, t.signIn.title);
  await page.getByRole('button', { name: t.signIn.submit, exact: true }).click();
  const summary = page.locator('.error-summary');
  await summary.waitFor();
  expect(await isFocused(summary)).toBe(true);
  const email = page.getByLabel(t.signIn.email);
  expect(await email.getAttribute('aria-invalid')).toBe('true');
  expect(await email.getAttribute('aria-describedby')).toBe('sign-in-email-error');
  await summary.getByRole('link', { name: t.signIn.emailMissing }).click();
  expect(await isFocused(email)).toBe(true);
  await expectAccessible(page);

  await fillSignIn(page, t, demoEmail('patient'), 'not the password at all');
  await expect.poll(() => summary.textContent()).toContain(t.apiErrors.invalid_credentials);
});

test('signed out, a protected page sends you to sign-in and back afterwards', async () => {
  const { page } = await open();
  await page.goto(`${e2e.portal.url}/account`);
  await onPage(page, t.signIn.title);
  expect(await page.getByRole('status').first().textContent()).toBe(t.signIn.notice.signInRequired);
  expect(new URL(page.url()).search).toBe(''); // the wanted page is not put in the URL
  await fillSignIn(page, t, demoEmail('patient'), DEMO_PASSWORD);
  await onPage(page, t.offer.title);
  await page.getByRole('button', { name: t.offer.notNow }).click();
  await onPage(page, t.account.title);
});

test('the idle warning: Escape and "Stay signed in" keep the session; at zero, sign-out', async () => {
  const { page, problems } = await open();
  await page.clock.install();
  await signInSkippingMfa(page, 'patient');
  await onPage(page, t.home.greeting.replace('{{name}}', 'Jill Tillman'));

  const dialog = page.getByRole('dialog', { name: t.idle.title });
  const keepAlive = () =>
    page.waitForResponse((r) => r.url().endsWith('/api/session/keep-alive') && r.ok());

  // 13 minutes without touching anything: two minutes are left.
  await page.clock.fastForward('13:05');
  await dialog.waitFor();
  expect(await dialog.getAttribute('aria-modal')).toBe('true');
  expect(await dialog.locator('#idle-description').textContent()).toBe(
    t.idle.body_other.replace('{{count}}', '15'),
  );
  expect(await page.getByRole('timer').textContent()).toMatch(/^1:5\d$/);
  const stay = dialog.getByRole('button', { name: t.idle.stay });
  expect(await isFocused(stay)).toBe(true);
  // Focus stays in the dialog: the page behind is inert.
  for (let i = 0; i < 5; i++) {
    await page.keyboard.press('Tab');
    const inside = await page.evaluate(
      () =>
        document.activeElement === document.body ||
        document.activeElement?.closest('dialog') !== null,
    );
    expect(inside).toBe(true);
  }
  await expectAccessible(page);

  const first = keepAlive();
  await page.keyboard.press('Escape');
  await first;
  await expect.poll(() => dialog.isVisible()).toBe(false);

  await page.clock.fastForward('13:05');
  await dialog.waitFor();
  const second = keepAlive();
  await stay.click();
  await second;
  await expect.poll(() => dialog.isVisible()).toBe(false);

  // Now nobody answers: at zero the app signs out and says why.
  await page.clock.fastForward('13:05');
  await dialog.waitFor();
  await page.clock.fastForward('02:00');
  await onPage(page, t.signIn.title);
  expect(await page.getByRole('status').first().textContent()).toBe(
    t.signIn.notice.idle_other.replace('{{count}}', '15'),
  );
  const session = await page.evaluate(() => fetch('/api/session').then((r) => r.json()));
  expect(session.signedIn).toBe(false);
  expect(problems).toEqual([]);
});

test('a passkey added in settings signs in on its own (virtual authenticator)', async () => {
  const { context, page, problems } = await open();
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });

  await signInSkippingMfa(page, 'patient');
  await page
    .getByRole('navigation', { name: t.nav.label })
    .getByRole('link', { name: t.nav.account, exact: true })
    .click();
  await onPage(page, t.account.title);
  const passkeys = page.locator('section', {
    has: page.getByRole('heading', { name: t.passkeys.title }),
  });
  await passkeys.getByLabel(t.passkeys.name).fill('Test laptop');
  await passkeys.getByRole('button', { name: t.passkeys.add }).click();
  await passkeys.getByText(t.passkeys.added).waitFor();
  await passkeys.locator('.item strong', { hasText: 'Test laptop' }).waitFor();
  // The first second factor comes with recovery codes, shown once.
  expect(await passkeys.locator('.recovery-codes__list li').count()).toBe(10);
  await expectAccessible(page);

  await signOut(page, t);
  await page.getByRole('button', { name: t.signIn.withPasskey }).click();
  await onPage(page, t.home.greeting.replace('{{name}}', 'Jill Tillman'));
  // One discoverable credential, used twice: created, then signed in with.
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  expect(credentials).toHaveLength(1);
  expect(credentials[0]?.isResidentCredential).toBe(true);
  expect(problems).toEqual([]);
});

test('a caregiver switches to a dependent\'s record, and a password change asks "is it you?"', async () => {
  const { page, problems } = await open();
  await signInSkippingMfa(page, 'proxy');
  await onPage(page, t.home.greeting.replace('{{name}}', 'Kit Walsh'));
  const bar = page.getByRole('region', { name: t.actingFor.label });
  const current = bar.locator('.acting-for__current');
  expect(await current.textContent()).toBe(t.actingFor.none);
  await bar.getByLabel(t.actingFor.switchLabel).selectOption({ label: 'Claudie Walsh (Parent)' });
  await bar.getByRole('button', { name: t.actingFor.switch }).click();
  await expect
    .poll(() => current.textContent())
    .toBe(`${t.actingFor.viewing} Claudie Walsh (${t.actingFor.notYours})`);
  await page.getByText(t.home.actingFor.replace('{{name}}', 'Claudie Walsh')).waitFor();
  await expectAccessible(page);

  // The server wants a fresh sign-in for this change (faked once here: a real
  // one lasts 5 minutes), so the app asks for the password and tries again.
  let refused = false;
  await page.route('**/api/account/password', async (route) => {
    if (refused) return route.continue();
    refused = true;
    await route.fulfill({
      status: 401,
      contentType: 'application/json',
      body: JSON.stringify({
        error: { code: 'reauthentication_required', message: "Confirm it's you." },
      }),
    });
  });
  await page
    .getByRole('navigation', { name: t.nav.label })
    .getByRole('link', { name: t.nav.account, exact: true })
    .click();
  await onPage(page, t.account.title);
  // On a small phone the account page (with its tables) does not scroll sideways.
  await page.setViewportSize({ width: 360, height: 800 });
  await page.locator('#sessions-title').waitFor();
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(
    true,
  );
  await expectAccessible(page);
  await page.setViewportSize({ width: 1280, height: 900 });
  const section = page.locator('section', {
    has: page.getByRole('heading', { name: t.changePassword.title }),
  });
  await section.getByLabel(t.changePassword.current, { exact: true }).fill(DEMO_PASSWORD);
  await section
    .getByLabel(t.changePassword.new, { exact: true })
    .fill('a brand new caregiver phrase');
  await section.getByRole('button', { name: t.changePassword.submit }).click();

  const dialog = page.getByRole('dialog', { name: t.stepUp.title });
  await dialog.waitFor();
  expect(await isFocused(dialog.getByLabel(t.stepUp.password, { exact: true }))).toBe(true);
  await expectAccessible(page);
  await dialog.getByLabel(t.stepUp.password, { exact: true }).fill(DEMO_PASSWORD);
  await dialog.getByRole('button', { name: t.stepUp.confirm }).click();
  await section.getByText(t.changePassword.done_other.replace('{{count}}', '0')).waitFor();
  expect(await dialog.isVisible()).toBe(false);
  // The browser logs the faked 401; nothing else went wrong.
  expect(problems).toEqual([
    'console: Failed to load resource: the server responded with a status of 401 (Unauthorized) [/api/account/password]',
  ]);
});
