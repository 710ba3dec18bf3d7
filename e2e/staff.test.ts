// Staff pages in the browser: the compliance officer's audit search (sorting,
// filtering, CSV), the accounts desk unlocking a locked account, and the
// development mailbox carrying a password reset link that a patient uses.
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { expect, test } from 'vitest';
import { expectAccessible } from './browser.ts';
import {
  chooseLanguage,
  DEMO_PASSWORD,
  demoEmail,
  fillSignIn,
  onPage,
  openPage,
  signInAsDemoStaff,
  texts,
} from './identity.ts';
import { setUpBrowserAndPortal } from './setup.ts';

const t = texts.en;
const e2e = setUpBrowserAndPortal();

const open = (options: { locale?: string; width?: number } = {}) =>
  openPage(e2e.browser, e2e.portal.url, e2e.contexts, options);

const staffSignIn = (page: Page, role: string) => signInAsDemoStaff(page, t, e2e.portal.url, role);

const noSideScroll = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

test('the compliance officer sorts, filters and downloads the audit trail', async () => {
  const { page, problems } = await open();
  await staffSignIn(page, 'compliance_officer');
  await onPage(page, t.audit.title);
  const table = page.locator('table');
  await table.waitFor();

  const who = page.getByRole('columnheader', { name: t.audit.columns.actor });
  const time = page.getByRole('columnheader', { name: t.audit.columns.occurredAt });
  expect(await time.getAttribute('aria-sort')).toBe('descending');
  expect(await who.getAttribute('aria-sort')).toBe('none');
  await who.getByRole('button').click();
  await expect.poll(() => who.getAttribute('aria-sort')).toBe('ascending');
  expect(await time.getAttribute('aria-sort')).toBe('none');
  await who.getByRole('button').click();
  await expect.poll(() => who.getAttribute('aria-sort')).toBe('descending');

  await page.getByLabel(t.audit.action).selectOption('sign_in');
  await page.getByLabel(t.audit.outcome).selectOption('success');
  await page.getByRole('button', { name: t.audit.search }).click();
  await expect
    .poll(async () => new Set(await table.locator('tbody tr td:nth-child(3)').allTextContents()))
    .toEqual(new Set([t.audit.actions.sign_in]));
  await expectAccessible(page);

  const downloading = page.waitForEvent('download');
  await page.getByRole('link', { name: t.audit.download }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/^audit-events-\d{4}-\d{2}-\d{2}\.csv$/);
  const csv = await readFile((await download.path()) ?? '', 'utf8');
  const [header, ...rows] = csv.trim().split(/\r?\n/);
  expect(header?.toLowerCase()).toContain('action');
  expect(rows.length).toBeGreaterThan(0);
  expect(rows.every((row) => row.includes('sign_in'))).toBe(true);

  // The same page in Spanish on a small phone: nothing scrolls sideways.
  await page.setViewportSize({ width: 360, height: 800 });
  await chooseLanguage(page, 'es');
  await onPage(page, texts.es.audit.title);
  expect(await noSideScroll(page)).toBe(true);
  expect(problems).toEqual([]);
});

test('the accounts desk sees a locked account and unlocks it', async () => {
  // Five wrong passwords lock the demo patient's account for a while.
  const patient = await open();
  await patient.page.goto(`${e2e.portal.url}/sign-in`);
  for (let i = 0; i < 5; i++) {
    await fillSignIn(patient.page, t, demoEmail('patient'), `wrong password number ${i}`);
    await patient.page.locator('.error-summary').waitFor();
  }
  await fillSignIn(patient.page, t, demoEmail('patient'), DEMO_PASSWORD);
  await expect
    .poll(() => patient.page.locator('.error-summary').textContent())
    .toMatch(/Too many attempts\. Try again after/);

  const { page, problems } = await open();
  await staffSignIn(page, 'support_agent');
  await page
    .getByRole('navigation', { name: t.nav.label })
    .getByRole('link', { name: t.nav.lockedAccounts })
    .click();
  await onPage(page, t.locked.title);
  const row = page.getByRole('row').filter({ hasText: 'Jill Tillman' });
  await row.getByRole('button', { name: `${t.locked.unlock} Jill Tillman` }).click();
  await page.getByText(t.locked.unlockedName.replace('{{name}}', 'Jill Tillman')).waitFor();
  await page.getByText(t.locked.none).waitFor();
  await expectAccessible(page);

  await fillSignIn(patient.page, t, demoEmail('patient'), DEMO_PASSWORD);
  await onPage(patient.page, t.offer.title);
  expect(problems).toEqual([]);
});

test('a reset link from the dev mailbox sets a new password; the token leaves the URL', async () => {
  const patient = await open();
  await patient.page.goto(`${e2e.portal.url}/forgot-password`);
  await onPage(patient.page, t.forgot.title);
  await patient.page.getByLabel(t.forgot.email).fill(demoEmail('patient'));
  await patient.page.getByRole('button', { name: t.forgot.submit }).click();
  await patient.page.getByText(t.forgot.sent).waitFor();
  await expectAccessible(patient.page);

  const admin = await open();
  await staffSignIn(admin.page, 'system_admin');
  await admin.page
    .getByRole('navigation', { name: t.nav.label })
    .getByRole('link', { name: t.nav.mailbox })
    .click();
  await onPage(admin.page, t.mailbox.title);
  const mail = admin.page.locator('.mail', { hasText: demoEmail('patient') }).first();
  const body = (await mail.locator('.mail__body').textContent()) ?? '';
  expect(await mail.locator('a').count()).toBe(0); // links are text, not links
  const link = body.match(/https?:\/\/\S+\/reset-password#token=\S+/)?.[0];
  expect(link).toBeDefined();
  expect(admin.problems).toEqual([]);

  await patient.page.goto(link as string);
  await onPage(patient.page, t.reset.title);
  expect(new URL(patient.page.url()).hash).toBe('');
  const newPassword = 'lanterns over the quiet bay';
  await patient.page.getByLabel(t.reset.password, { exact: true }).fill(newPassword);
  await patient.page.getByRole('button', { name: t.reset.submit }).click();
  await onPage(patient.page, t.signIn.title);
  expect(await patient.page.getByRole('status').first().textContent()).toBe(
    t.signIn.notice.passwordReset,
  );
  await fillSignIn(patient.page, t, demoEmail('patient'), newPassword);
  await onPage(patient.page, t.offer.title);
  expect(patient.problems).toEqual([]);
});

test('the front desk gives a caregiver access, with errors next to the fields, and revokes it', async () => {
  const { page, problems } = await open();
  await staffSignIn(page, 'front_desk');
  await onPage(page, t.staffSearch.title);
  await page.getByLabel(t.staffSearch.query).fill('Casares');
  await page.getByRole('button', { name: t.staffSearch.submit, exact: true }).click();
  await page.getByRole('link', { name: 'Casares, José María' }).click();
  await onPage(page, 'Casares, José María');

  const section = page.locator('section', {
    has: page.getByRole('heading', { name: t.proxies.title }),
  });
  const email = section.getByLabel(t.proxies.email);
  const until = section.getByLabel(t.proxies.expiresAt);
  const nextYear = `${new Date().getUTCFullYear() + 1}-06-30`;
  await email.fill('nobody@mail.example');
  await section.getByLabel(t.proxies.relationship).selectOption('caregiver');
  await until.fill(nextYear);
  await section.getByRole('button', { name: t.proxies.grant }).click();
  // The server's "no such account" lands on the e-mail field, and the summary takes focus.
  await expect.poll(() => email.getAttribute('aria-invalid')).toBe('true');
  expect(await section.locator('#proxy-proxyEmail-error').textContent()).toBe(
    t.apiErrors.no_account,
  );
  expect(await page.evaluate(() => document.activeElement?.className)).toBe('error-summary');
  await expectAccessible(page);

  await email.fill(demoEmail('proxy'));
  await section.getByRole('button', { name: t.proxies.grant }).click();
  await section.getByText(t.proxies.granted).waitFor();
  const row = section.getByRole('row').filter({ hasText: 'Kit Walsh' });
  expect(await row.textContent()).toContain(t.relationships.caregiver);
  expect(await row.textContent()).toContain(t.proxies.active);

  await row.getByRole('button', { name: `${t.proxies.revoke} Kit Walsh` }).click();
  await section.getByText(t.proxies.revoked.replace('{{name}}', 'Kit Walsh')).waitFor();
  // The notice comes as the list reloads: wait for the row to go.
  await expect
    .poll(() => section.getByRole('row').filter({ hasText: 'Kit Walsh' }).count())
    .toBe(0);
  // The browser logs the expected 404 (no such account); nothing else went wrong.
  expect(problems).toEqual([
    expect.stringMatching(
      /^console: Failed to load .* 404 \(Not Found\) \[\/api\/staff\/patients\/[\w-]+\/proxies\]$/,
    ),
  ]);
});
