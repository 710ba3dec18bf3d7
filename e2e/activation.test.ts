// The issue's browser story: a front-desk member opens a patient's record and
// issues an activation code; the patient activates, sets up TOTP, signs out,
// signs in again with the second factor, and finds that front-desk access in
// "Who accessed my record". Once in English, once in Spanish; axe on every page.
import type { Page } from 'playwright-core';
import { expect, test } from 'vitest';
import { calendarDate } from '../web/src/i18n/format.ts';
import { expectAccessible } from './browser.ts';
import {
  chooseLanguage,
  fillSignIn,
  nextTotp,
  onPage,
  openPage,
  signInAsDemoStaff,
  signOut,
  type Texts,
  texts,
} from './identity.ts';
import { setUpBrowserAndPortal } from './setup.ts';

const e2e = setUpBrowserAndPortal();

const FRONT_DESK_NAME = 'Dana Whitcombe';

// Two demo EHR patients without an account, registered at Riverside (where
// the demo front desk works). Their birth dates are not fixed: the demo EHR
// moves every date when it first loads, so the test reads it from the record.
interface Case {
  lang: 'en' | 'es';
  locale: string;
  family: string;
  given: string;
  email: string;
  secondSignIn: 'totp' | 'recovery';
}

const cases: Case[] = [
  {
    lang: 'en',
    locale: 'en-US',
    family: 'Casares',
    given: 'José María',
    email: 'jose.maria.e2e@mail.example',
    secondSignIn: 'totp',
  },
  {
    lang: 'es',
    locale: 'es-MX',
    family: 'Montalvo',
    given: 'Margarita',
    email: 'margarita.e2e@mail.example',
    secondSignIn: 'recovery',
  },
];
const PATIENT_PASSWORD = 'river stones hum quietly 88';

/**
 * Front desk: sign in with TOTP, find the patient, open the record, issue a
 * code. Returns the code and the birth date the record shows (the patient
 * knows it; the test reads it from the record the page loaded).
 */
async function issueCode(page: Page, t: Texts, c: Case) {
  const url = e2e.portal.url;
  await signInAsDemoStaff(page, t, url, 'front_desk');
  // Signed in, the app speaks the account's language; this run wants its own
  // (chosen once the landing page is there, or the sign-in would undo it).
  await page.waitForURL('**/staff/patients');
  await chooseLanguage(page, c.lang);
  await onPage(page, t.staffSearch.title);

  await page.getByLabel(t.staffSearch.query).fill(c.family);
  await page.getByRole('button', { name: t.staffSearch.submit, exact: true }).click();
  const name = `${c.family}, ${c.given}`;
  const record = page.waitForResponse(
    (r) => /\/api\/staff\/patients\/[0-9a-f-]{36}$/.test(r.url()) && r.ok(),
  );
  await page.getByRole('link', { name }).click();
  await onPage(page, name); // opening the record is the access the patient will see
  const { patient } = (await (await record).json()) as { patient: { birthDate: string } };
  expect(patient.birthDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  // The page shows that same date.
  const shown = page.locator('dt', { hasText: t.patient.birthDate }).locator('+ dd');
  expect(await shown.textContent()).toBe(calendarDate(c.lang, patient.birthDate));

  await page.getByRole('button', { name: t.activation.issue }).click();
  const code = (await page.locator('.code-box code').textContent()) ?? '';
  expect(code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
  await expect.poll(() => page.locator('.letter').count()).toBe(1);
  await expectAccessible(page);
  return { code, birthDate: patient.birthDate };
}

/** The patient: code and birth date, then e-mail, password, language. */
async function activate(page: Page, t: Texts, c: Case, code: string, birthDate: string) {
  await page.goto(`${e2e.portal.url}/activate`);
  await onPage(page, t.activate.title);
  await page.getByLabel(t.activate.code).fill(code.toLowerCase().replaceAll('-', ' '));
  await page.getByLabel(t.activate.birthDate).fill(birthDate);
  await page.getByRole('button', { name: t.activate.continue }).click();
  await page.getByRole('heading', { name: t.activate.step2 }).waitFor();
  await expectAccessible(page);
  await page.getByLabel(t.activate.email).fill(c.email);
  await page.getByLabel(t.activate.password, { exact: true }).fill(PATIENT_PASSWORD);
  expect(await page.getByLabel(t.activate.language).inputValue()).toBe(c.lang);
  await page.getByRole('button', { name: t.activate.submit }).click();
}

/** Offered a second factor: set up TOTP; returns its secret and the recovery codes. */
async function enrolTotp(page: Page, t: Texts) {
  await onPage(page, t.offer.title);
  await page.getByRole('button', { name: t.offer.enrol }).click();
  await page.getByRole('heading', { name: t.totp.scanHeading }).waitFor();
  expect(await page.getByRole('img', { name: t.totp.qrAlt }).getAttribute('src')).toMatch(
    /^data:image\/svg\+xml;base64,/,
  );
  await expectAccessible(page);
  // What a person would type into the app when they cannot scan the QR code.
  const secret = ((await page.locator('.totp-setup__secret').textContent()) ?? '').replace(
    /\s/g,
    '',
  );
  expect(secret.length).toBeGreaterThanOrEqual(16);
  await page.getByLabel(t.mfa.code).fill(await nextTotp(secret));
  await page.getByRole('button', { name: t.totp.confirm }).click();
  await page.getByRole('heading', { name: t.recoveryCodes.title }).waitFor();
  const codes = await page.locator('.recovery-codes__list code').allTextContents();
  expect(codes).toHaveLength(10);
  await expectAccessible(page);
  await page.getByRole('button', { name: t.recoveryCodes.saved }).click();
  return { secret, codes };
}

test.each(cases)(
  'activation, then sign-in with a second factor, shows the staff access ($lang)',
  async (c) => {
    const t = texts[c.lang];
    const staff = await openPage(e2e.browser, e2e.portal.url, e2e.contexts, { locale: c.locale });
    const { code, birthDate } = await issueCode(staff.page, t, c);

    const { page, problems } = await openPage(e2e.browser, e2e.portal.url, e2e.contexts, {
      locale: c.locale,
    });
    await activate(page, t, c, code, birthDate);
    const { secret, codes } = await enrolTotp(page, t);
    const greeting = t.home.greeting.replace('{{name}}', `${c.given} ${c.family}`);
    await onPage(page, greeting);

    await signOut(page, t);
    // Sign-out clears the browser's storage, but the language stays chosen.
    expect(await page.evaluate(() => localStorage.getItem('portal.lang'))).toBe(c.lang);
    await fillSignIn(page, t, c.email, PATIENT_PASSWORD);
    await onPage(page, t.mfa.title);
    if (c.secondSignIn === 'totp') {
      await page.getByLabel(t.mfa.code).fill(await nextTotp(secret));
    } else {
      await page.getByRole('button', { name: t.mfa.useRecovery }).click();
      await page.getByLabel(t.mfa.recoveryCode).fill(codes[0] ?? '');
      await expectAccessible(page);
    }
    await page.getByRole('button', { name: t.mfa.submit }).click();
    await onPage(page, greeting);

    await page
      .getByRole('navigation', { name: t.nav.label })
      .getByRole('link', { name: t.nav.account, exact: true })
      .click();
    await onPage(page, t.account.title);
    const log = page.locator('#access-log table');
    const row = log.getByRole('row').filter({ hasText: FRONT_DESK_NAME }).first();
    await row.waitFor();
    expect(await row.textContent()).toContain(t.roles.front_desk);
    const viewed = t.accessLog.what
      .replace('{{action}}', t.audit.actions.view)
      .replace('{{resource}}', t.audit.resources.Patient);
    expect(await log.textContent()).toContain(viewed);
    expect(problems).toEqual([]);
    expect(staff.problems).toEqual([]);
  },
);
