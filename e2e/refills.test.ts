// Prescription refills in the browser (issue 7): the demo patient reads why
// each medication can or cannot be asked for online, requests two of them
// for a pharmacy from the clinic's directory (kept as preferred) with a note;
// the demo provider finds both in the queue, weighs the context, approves one
// and denies the other with a reason; the demo EHR takes the new prescription
// through the outbox; the patient sees both outcomes, and the mails name no
// drug. Then the same patient's pages in Spanish on a small phone. Axe on
// every state visited; checkboxes, radio buttons and the submit by keyboard.
import type { Locator, Page } from 'playwright-core';
import { expect, test } from 'vitest';
import { SHOWCASE } from '../src/ehr/demo/fills.ts';
import { DEFAULT_REFILL_RULES } from '../src/modules/refills/clinic-rules.ts';
import type { RefillReview } from '../src/modules/refills/model.ts';
import { addDays, ymd } from '../src/platform/time/zoned-time.ts';
import { calendarDate } from '../web/src/i18n/format.ts';
import { expectAccessible } from './browser.ts';
import {
  chooseLanguage,
  demoEmail,
  isFocused,
  onPage,
  openPage,
  signInAsDemoStaff,
  type Texts,
  tabTo,
  texts,
} from './identity.ts';
import { type Mail, mailbox, signInPatient } from './scheduling.ts';
import { setUpBrowserAndPortal } from './setup.ts';

const e2e = setUpBrowserAndPortal();
const en = texts.en;
const es = texts.es;
const PATIENT = 'Jill Tillman';
const REASON = 'Your cholesterol needs a check first: please book a visit.';
const NOTE = 'I leave for a trip next week.';
/** Not the preferred one: the demo patient has none yet. */
const PHARMACY = 'Capitol Drug & Wellness';
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

const showcase = (key: string) => {
  const found = SHOWCASE.find((s) => s.key === key);
  if (!found) throw new Error(`no showcase prescription ${key}`);
  return found;
};
const LISINOPRIL = showcase('lisinopril').name;
const SIMVASTATIN = showcase('simvastatin').name;

/** Every request id the patient made in the first test, by medication: the second reads them. */
const made = new Map<string, string>();

const open = (options: { width?: number } = {}) =>
  openPage(e2e.browser, e2e.portal.url, e2e.contexts, options);

const fill = (text: string, values: Record<string, string>) =>
  text.replace(/{{(\w+)}}/g, (_, key: string) => values[key] ?? '');

const main = (page: Page) => page.getByRole('main');
const card = (page: Page, name: string) =>
  main(page)
    .getByRole('listitem')
    .filter({ has: page.getByRole('heading', { name, exact: true }) });
const noSideScroll = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

/** The day the too-soon showcase prescription may be asked for, by the clinic's default rules. */
function amlodipineFrom(lang: string): string {
  const { plan } = showcase('amlodipine');
  const today = ymd(Date.now());
  const from = addDays(
    today,
    plan.supplyDays - plan.lastFillDaysAgo - DEFAULT_REFILL_RULES.earlyDays,
  );
  return calendarDate(lang, from);
}

/**
 * The medications page; the record is read from the EHR after sign-in, so a
 * fresh account may see the list a moment later: read the page again until
 * the showcase prescriptions are there.
 */
async function openMedications(page: Page, t: Texts) {
  await page
    .getByRole('navigation', { name: t.nav.label })
    .getByRole('link', { name: t.nav.medications, exact: true })
    .click();
  await onPage(page, t.refills.title);
  await expect
    .poll(
      async () => {
        if (await card(page, LISINOPRIL).count()) return true;
        await page.reload();
        await onPage(page, t.refills.title);
        return (await card(page, LISINOPRIL).count()) > 0;
      },
      { timeout: 30_000, interval: 1_000 },
    )
    .toBe(true);
}

/** Checks a box or radio button from the keyboard: focus, then Space. */
async function pressSpace(target: Locator) {
  await target.focus();
  await target.press('Space');
  expect(await target.isChecked()).toBe(true);
}

/** The request's page as the patient reads it again: "What now" in its status line. */
async function statusHelp(page: Page, id: string): Promise<string> {
  await page.goto(`${e2e.portal.url}/refills/${id}`);
  await page.getByRole('heading', { level: 1 }).waitFor();
  return (await main(page).getByRole('status').first().textContent()) ?? '';
}

test('a patient requests two refills; a provider approves one and denies the other; the patient sees both', {
  timeout: 300_000,
}, async () => {
  const tr = en.refills;
  const patient = await open();
  const { page } = patient;
  await page.goto(`${e2e.portal.url}/sign-in`);
  await signInPatient(page, en.home.greeting.replace('{{name}}', PATIENT));
  await openMedications(page, en);

  // Eligibility in words: schedule II goes to the phone; too soon says from which day.
  const oxycodone = card(page, showcase('oxycodone').name);
  expect(await oxycodone.textContent()).toContain(tr.eligibility.schedule_ii);
  expect(await oxycodone.getByRole('link').first().getAttribute('href')).toMatch(/^tel:\+/);
  expect(await oxycodone.getByRole('checkbox').count()).toBe(0);
  const amlodipine = card(page, showcase('amlodipine').name);
  expect(await amlodipine.textContent()).toContain(
    fill(tr.eligibility.too_soon, { date: amlodipineFrom('en') }),
  );
  expect(await amlodipine.getByRole('checkbox').count()).toBe(0);
  expect(await card(page, LISINOPRIL).textContent()).toContain(tr.eligibility.refill);
  expect(await card(page, SIMVASTATIN).textContent()).toContain(tr.eligibility.renewal);
  await expectAccessible(page);

  // Nothing chosen: the summary says so.
  await page.getByRole('button', { name: tr.requestButton, exact: true }).click();
  await page.getByRole('link', { name: tr.chooseFirst }).waitFor();

  // Two chosen by keyboard, then on to the form.
  await pressSpace(page.getByLabel(`${tr.choose}: ${LISINOPRIL}`, { exact: true }));
  await pressSpace(page.getByLabel(`${tr.choose}: ${SIMVASTATIN}`, { exact: true }));
  await page
    .getByRole('status')
    .filter({ hasText: fill(tr.chosen_other, { count: '2' }) })
    .waitFor();
  await tabTo(page, page.getByRole('button', { name: tr.requestButton, exact: true }));
  await page.keyboard.press('Enter');
  await onPage(page, tr.form.title);
  expect(await isFocused(page.getByRole('heading', { level: 1 }))).toBe(true);
  const chosen = page.getByRole('region', { name: tr.form.chosen });
  expect(await chosen.textContent()).toContain(`${LISINOPRIL} (${tr.kind.refill})`);
  expect(await chosen.textContent()).toContain(`${SIMVASTATIN} (${tr.kind.renewal})`);

  // No preferred pharmacy yet: one must be chosen.
  await page.getByRole('button', { name: tr.form.submit }).click();
  await page
    .locator('.error-summary')
    .getByRole('link', { name: tr.form.choosePharmacy })
    .waitFor();
  await expectAccessible(page);
  const pharmacies = page.getByRole('group', { name: tr.form.pharmacy });
  expect(await pharmacies.getByRole('radio').count()).toBeGreaterThan(1);
  await pressSpace(pharmacies.getByRole('radio', { name: PHARMACY, exact: true }));
  await pressSpace(page.getByLabel(tr.form.savePharmacy));
  await page.getByLabel(tr.form.note).fill(NOTE);
  await tabTo(page, page.getByRole('button', { name: tr.form.submit }));
  await page.keyboard.press('Enter');

  // The confirmation lists both, each a link to its page.
  await onPage(page, tr.done.title);
  const sent = page.locator('.refill-list > li');
  await expect.poll(() => sent.count()).toBe(2);
  for (const name of [LISINOPRIL, SIMVASTATIN]) {
    const item = sent.filter({ hasText: name });
    expect(await item.textContent()).toContain(PHARMACY);
    const href = (await item.getByRole('link', { name }).getAttribute('href')) ?? '';
    expect(href).toMatch(new RegExp(`^/refills/${UUID}$`));
    made.set(name, href.split('/')[2] as string);
  }
  await expectAccessible(page);

  // The provider: the queue holds both (sent together, so equally old).
  const provider = await open();
  const staff = provider.page;
  const ts = en.refills.staff;
  await signInAsDemoStaff(staff, en, e2e.portal.url, 'provider');
  await staff
    .getByRole('navigation', { name: en.nav.label })
    .getByRole('link', { name: en.nav.refills })
    .click();
  await onPage(staff, ts.title);
  const rows = staff.locator('tbody tr').filter({ hasText: PATIENT });
  await expect.poll(() => rows.count()).toBe(2);
  expect(await staff.getByRole('status').filter({ hasText: /\d/ }).first().textContent()).toBe(
    fill(ts.found_other, { count: '2' }),
  );
  await expectAccessible(staff);

  // Lisinopril: the context beside the request, then approved.
  await rows.filter({ hasText: LISINOPRIL }).getByRole('link', { name: PATIENT }).click();
  await onPage(staff, fill(ts.review.title, { medication: LISINOPRIL }));
  expect(await main(staff).textContent()).toContain(NOTE);
  const context = staff.getByRole('region', { name: ts.review.context });
  for (const heading of [
    ts.review.visits,
    ts.review.allergies,
    ts.review.medications,
    ts.review.labs,
  ])
    await context.getByRole('heading', { name: heading, exact: true }).waitFor();
  const history = context.getByRole('region', { name: ts.review.medications });
  expect(await history.textContent()).toContain(LISINOPRIL);
  expect(await history.textContent()).toContain(SIMVASTATIN);
  // What the record holds for her is on the page: every allergy and the latest labs.
  const review = (await (
    await staff.request.get(`${e2e.portal.url}/api/staff/refills/${made.get(LISINOPRIL)}`)
  ).json()) as RefillReview;
  const shown = (await context.textContent()) ?? '';
  expect(review.context.allergies.length).toBeGreaterThan(0);
  expect(review.context.labs.length).toBeGreaterThan(0);
  for (const allergy of review.context.allergies) expect(shown).toContain(allergy.substance);
  for (const lab of review.context.labs) expect(shown).toContain(lab.name);
  await staff.getByRole('button', { name: ts.actions.approve, exact: true }).click();
  await staff.getByText(ts.actions.approved).waitFor();
  await staff.getByText(ts.actions.decided).waitFor();
  await expectAccessible(staff);

  // Simvastatin: denied with a reason through the dialog; the reason is required.
  await staff.getByRole('link', { name: ts.review.back }).click();
  await onPage(staff, ts.title);
  await expect.poll(() => rows.count()).toBe(1);
  await rows.filter({ hasText: SIMVASTATIN }).getByRole('link', { name: PATIENT }).click();
  await onPage(staff, fill(ts.review.title, { medication: SIMVASTATIN }));
  await staff.getByRole('button', { name: ts.actions.deny, exact: true }).click();
  const dialog = staff.getByRole('dialog', { name: ts.actions.denyTitle });
  await dialog.waitFor();
  await dialog.getByRole('button', { name: ts.actions.deny, exact: true }).click();
  await dialog.getByText(en.frontDesk.reason.missing).first().waitFor();
  await expectAccessible(staff);
  await dialog.getByLabel(en.frontDesk.reason.label).fill(REASON);
  await dialog.getByRole('button', { name: ts.actions.deny, exact: true }).click();
  await staff.getByText(ts.actions.denied).waitFor();
  await expect.poll(() => dialog.isVisible()).toBe(false);
  // The page reads the request again: decided, with the reason among its facts.
  await expect.poll(() => main(staff).textContent()).toContain(REASON);
  await staff.getByText(ts.actions.decided).waitFor();
  await expectAccessible(staff);

  // The outbox takes the approval to the demo EHR; the request reads "sent" then.
  const lisinopril = made.get(LISINOPRIL) as string;
  const simvastatin = made.get(SIMVASTATIN) as string;
  await expect
    .poll(() => statusHelp(page, lisinopril), { timeout: 60_000, interval: 2_000 })
    .toBe(tr.statusHelp.sent);
  expect(await main(page).getByRole('definition').first().textContent()).toBe(tr.status.sent);
  await expectAccessible(page);
  expect(await statusHelp(page, simvastatin)).toBe(tr.statusHelp.denied);
  expect(await main(page).textContent()).toContain(REASON);
  expect(await page.getByRole('button', { name: tr.detail.cancel }).count()).toBe(0);
  await expectAccessible(page);

  // My requests: both outcomes.
  await page.getByRole('link', { name: tr.detail.back }).click();
  await onPage(page, tr.list.title);
  const mine = (name: string) =>
    main(page)
      .getByRole('listitem')
      .filter({ has: page.getByRole('link', { name, exact: true }) });
  expect(await mine(LISINOPRIL).textContent()).toContain(tr.status.sent);
  expect(await mine(SIMVASTATIN).textContent()).toContain(tr.status.denied);

  // The mails: "updated" for each request, naming no drug, pharmacy or reason.
  const admin = await open();
  await signInAsDemoStaff(admin.page, en, e2e.portal.url, 'system_admin');
  await onPage(admin.page, en.locked.title);
  const updated = async (id: string) =>
    (await mailbox(admin.page, e2e.portal.url)).filter(
      (m) =>
        m.to === demoEmail('patient') &&
        m.subject === 'Your refill request was updated' &&
        m.body?.includes(`${e2e.portal.url}/refills/${id}`),
    );
  for (const id of [lisinopril, simvastatin])
    await expect
      .poll(async () => (await updated(id)).length, { timeout: 30_000 })
      .toBeGreaterThan(0);
  const mails: Mail[] = [...(await updated(lisinopril)), ...(await updated(simvastatin))];
  for (const mail of mails) {
    const said = `${mail.subject}\n${mail.body}`.toLowerCase();
    for (const secret of [
      'lisinopril',
      'simvastatin',
      PHARMACY.toLowerCase(),
      REASON.toLowerCase(),
    ])
      expect(said).not.toContain(secret);
  }

  expect(patient.problems).toEqual([]);
  expect(provider.problems).toEqual([]);
  expect(admin.problems).toEqual([]);
});

// Reads what the first test made: the two decided requests and the preferred pharmacy.
test('the same patient pages in Spanish on a small phone', { timeout: 180_000 }, async () => {
  const tr = es.refills;
  const { page, problems } = await open({ width: 360 });
  await page.goto(`${e2e.portal.url}/sign-in`);
  await signInPatient(page, en.home.greeting.replace('{{name}}', PATIENT));
  await chooseLanguage(page, 'es');

  await openMedications(page, es);
  expect(await card(page, showcase('oxycodone').name).textContent()).toContain(
    tr.eligibility.schedule_ii,
  );
  expect(await card(page, showcase('amlodipine').name).textContent()).toContain(
    fill(tr.eligibility.too_soon, { date: amlodipineFrom('es') }),
  );
  expect(await noSideScroll(page)).toBe(true);
  await expectAccessible(page);

  // The pharmacy kept as preferred comes chosen; going back sends nothing.
  const zolpidem = showcase('zolpidem').name;
  await pressSpace(page.getByLabel(`${tr.choose}: ${zolpidem}`, { exact: true }));
  await page.getByRole('button', { name: tr.requestButton, exact: true }).click();
  await onPage(page, tr.form.title);
  const preferred = page.getByRole('radio', { name: `${PHARMACY} (${tr.form.preferred})` });
  expect(await preferred.isChecked()).toBe(true);
  expect(await page.getByLabel(tr.form.savePharmacy).count()).toBe(0);
  expect(await noSideScroll(page)).toBe(true);
  await expectAccessible(page);
  await page.getByRole('button', { name: tr.form.back }).click();
  await onPage(page, tr.title);

  await page.getByRole('link', { name: tr.myRequests }).click();
  await onPage(page, tr.list.title);
  const list = main(page).locator('.refill-list');
  await expect.poll(() => list.getByRole('listitem').count()).toBe(2);
  expect(await list.textContent()).toContain(tr.status.sent);
  expect(await list.textContent()).toContain(tr.status.denied);
  expect(await noSideScroll(page)).toBe(true);
  await expectAccessible(page);

  await list.getByRole('link', { name: SIMVASTATIN, exact: true }).click();
  await onPage(page, SIMVASTATIN);
  expect(await main(page).getByRole('status').first().textContent()).toBe(tr.statusHelp.denied);
  expect(await main(page).textContent()).toContain(REASON);
  expect(await noSideScroll(page)).toBe(true);

  await page.getByRole('link', { name: tr.detail.back }).click();
  await list.getByRole('link', { name: LISINOPRIL, exact: true }).click();
  await onPage(page, LISINOPRIL);
  expect(await main(page).getByRole('status').first().textContent()).toBe(tr.statusHelp.sent);
  expect(await noSideScroll(page)).toBe(true);
  expect(problems).toEqual([]);
});
