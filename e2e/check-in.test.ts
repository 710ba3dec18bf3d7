// Check-in in the browser (issue 6): the demo patient, with an office visit
// in about two days (booked through the API, confirmed by the demo EHR),
// walks the steps in English, then checks in for real in Spanish on a phone,
// with the field errors tied to their fields; the front desk sees the
// check-in beside the record and marks it reviewed. Axe on every step and
// page, in both languages.
import type { Page } from 'playwright-core';
import { expect, test } from 'vitest';
import { expectAccessible } from './browser.ts';
import {
  chooseLanguage,
  DEMO_PASSWORD,
  demoEmail,
  fillSignIn,
  isFocused,
  onPage,
  openPage,
  signInAsDemoStaff,
  type Texts,
  texts,
} from './identity.ts';
import { setUpBrowserAndPortal } from './setup.ts';

const e2e = setUpBrowserAndPortal();
const { en, es } = texts;
const PATIENT = 'Tillman, Jill';
const HOUR = 3_600_000;

const open = (options: { width?: number } = {}) =>
  openPage(e2e.browser, e2e.portal.url, e2e.contexts, options);

const fill = (text: string, values: Record<string, string | number>) =>
  text.replace(/{{(\w+)}}/g, (_, k: string) => String(values[k]));

async function signInPatient(page: Page) {
  await page.goto(`${e2e.portal.url}/sign-in`);
  await fillSignIn(page, en, demoEmail('patient'), DEMO_PASSWORD);
  await onPage(page, en.offer.title);
  await page.getByRole('button', { name: en.offer.notNow }).click();
  await onPage(page, fill(en.home.greeting, { name: 'Jill Tillman' }));
}

/**
 * Books the first office-visit time between a day and three days ahead, as
 * the web app would, and waits for the demo EHR to confirm it.
 */
async function bookInTwoDays(page: Page): Promise<string> {
  const id = await page.evaluate(
    async ({ earliest, latest }) => {
      const json = async <T>(path: string, init?: RequestInit): Promise<T> => {
        const response = await fetch(path, init);
        if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
        return (await response.json()) as T;
      };
      const { csrfToken } = await json<{ csrfToken: string }>('/api/session');
      const { clinics } = await json<{
        clinics: {
          clinic: { id: string; name: string };
          visitTypes: { id: string; code: string }[];
        }[];
      }>('/api/scheduling/options');
      const riverside = clinics.find((c) => c.clinic.name.startsWith('Riverside'));
      const visit = riverside?.visitTypes.find((v) => v.code === 'office-visit');
      for (let page = 1; page <= 10; page++) {
        const found = await json<{ slots: { id: string; startsAt: string }[]; hasMore: boolean }>(
          `/api/scheduling/slots?clinicId=${riverside?.clinic.id}&visitTypeId=${visit?.id}&page=${page}`,
        );
        const slot = found.slots.find((s) => {
          const at = Date.parse(s.startsAt);
          return at >= earliest && at <= latest;
        });
        if (slot) {
          const booked = await json<{ id: string }>('/api/appointments', {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken },
            body: JSON.stringify({ slotId: slot.id, visitTypeId: visit?.id }),
          });
          return booked.id;
        }
        if (!found.hasMore || found.slots.some((s) => Date.parse(s.startsAt) > latest)) break;
      }
      throw new Error('no office visit time one to three days ahead');
    },
    { earliest: Date.now() + 24 * HOUR, latest: Date.now() + 70 * HOUR },
  );
  const status = async () =>
    (
      (await (await page.request.get(`${e2e.portal.url}/api/appointments/${id}`)).json()) as {
        status: string;
      }
    ).status;
  await expect.poll(status, { timeout: 30_000 }).toBe('booked');
  return id;
}

const stepHeading = (t: Texts, n: number, step: keyof Texts['checkIn']['steps']) =>
  fill(t.checkIn.stepOf, { n, count: 6, name: t.checkIn.steps[step] });

async function onStep(page: Page, t: Texts, n: number, step: keyof Texts['checkIn']['steps']) {
  const heading = page.getByRole('heading', { level: 2, name: stepHeading(t, n, step) });
  await heading.waitFor();
  if (n > 1) expect(await isFocused(heading)).toBe(true);
  await expectAccessible(page);
}

const next = (page: Page, t: Texts) =>
  page.getByRole('button', { name: t.checkIn.next, exact: true }).click();

/** Says "still" to every medication or allergy on record (their number depends on the EHR's record). */
async function keepAll(page: Page, label: string) {
  for (const radio of await page.getByLabel(label, { exact: true }).all()) await radio.check();
}

const summary = (page: Page) => page.locator('.error-summary');

test('the demo patient checks in (steps in English, for real in Spanish); the desk reviews it', {
  timeout: 240_000,
}, async () => {
  const { page, problems } = await open();
  await signInPatient(page);
  const id = await bookInTwoDays(page);

  // From the appointment to check-in, every step in English (nothing sent yet).
  await page.goto(`${e2e.portal.url}/appointments/${id}`);
  await onPage(page, 'Office visit');
  await page.getByRole('link', { name: en.checkIn.section.start }).click();
  await onPage(page, en.checkIn.title);
  await onStep(page, en, 1, 'details');
  await next(page, en);
  await onStep(page, en, 2, 'insurance');
  await next(page, en);
  await onStep(page, en, 3, 'medications');
  // Not saying whether a medication is still taken is named (when there is one).
  if ((await page.getByLabel(en.checkIn.medications.taking, { exact: true }).count()) > 0) {
    await next(page, en);
    await summary(page).waitFor();
    expect(await isFocused(summary(page))).toBe(true);
    await expectAccessible(page);
  }
  await keepAll(page, en.checkIn.medications.taking);
  await next(page, en);
  await onStep(page, en, 4, 'allergies');
  await keepAll(page, en.checkIn.allergies.allergic);
  await next(page, en);
  await onStep(page, en, 5, 'questionnaire');
  await page.getByLabel(/What would you like to discuss/).fill('A cough');
  await page.getByRole('group', { name: /fever/ }).getByLabel(en.checkIn.no).check();
  await next(page, en);
  await onStep(page, en, 6, 'review');

  // In Spanish on a phone: the whole check-in, sent.
  await page.setViewportSize({ width: 360, height: 800 });
  await page.reload();
  await chooseLanguage(page, 'es');
  await onPage(page, es.checkIn.title);
  await onStep(page, es, 1, 'details');
  const phone = page.getByLabel(es.checkIn.details.phone);
  await phone.fill('llámeme');
  await next(page, es);
  await summary(page).getByRole('link', { name: es.checkIn.problems.phone }).waitFor();
  expect(await phone.getAttribute('aria-invalid')).toBe('true');
  await expectAccessible(page);
  await phone.fill('+1 555 010 0199');
  await next(page, es);

  await onStep(page, es, 2, 'insurance');
  await page.getByLabel(es.checkIn.insurance.update).check();
  await next(page, es);
  await summary(page).getByRole('link', { name: es.checkIn.problems.payer }).waitFor();
  await expectAccessible(page);
  await page.getByLabel(es.checkIn.insurance.payer).fill('Seguro Pradera');
  await page.getByLabel(es.checkIn.insurance.memberId).fill('SP-1234567');
  await next(page, es);

  await onStep(page, es, 3, 'medications');
  await keepAll(page, es.checkIn.medications.taking);
  await page.getByRole('button', { name: es.checkIn.medications.add }).click();
  await page.getByLabel(new RegExp(es.checkIn.medications.newLabel)).fill('Vitamina D 1000 UI');
  await expectAccessible(page);
  await next(page, es);

  await onStep(page, es, 4, 'allergies');
  await keepAll(page, es.checkIn.allergies.allergic);
  await next(page, es);

  // The questions in Spanish, from the translation extension; a required one left out is named beside it.
  await onStep(page, es, 5, 'questionnaire');
  await page
    .getByLabel(/¿De qué le gustaría hablar en esta consulta\?/)
    .fill('Una tos que no se va');
  await page.getByLabel(/Nivel de dolor hoy/).fill('3');
  await next(page, es);
  const fever = page.getByRole('group', { name: /¿Tiene fiebre hoy\?/ });
  await fever.getByText(es.checkIn.problems.question.required).waitFor();
  await expectAccessible(page);
  await fever.getByLabel(es.checkIn.no).check();
  await next(page, es);

  await onStep(page, es, 6, 'review');
  const main = page.getByRole('main');
  expect(await main.textContent()).toContain('+1 555 010 0199');
  expect(await main.textContent()).toContain(
    fill(es.checkIn.review.added, { text: 'Vitamina D 1000 UI' }),
  );
  await page.getByRole('button', { name: es.checkIn.submit }).click();
  const done = page.getByRole('status').filter({ hasText: es.checkIn.done });
  await done.waitFor();
  expect(await isFocused(done)).toBe(true);
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(
    true,
  );
  await expectAccessible(page);

  // The appointment now says so.
  await page.goto(`${e2e.portal.url}/appointments/${id}`);
  await onPage(page, 'Consulta en el consultorio');
  await page.getByRole('link', { name: es.checkIn.section.change }).waitFor();
  await expectAccessible(page);
  expect(problems).toEqual([]);

  // The front desk sees it, beside the record, and marks it reviewed.
  const desk = await open();
  await signInAsDemoStaff(desk.page, en, e2e.portal.url, 'front_desk');
  await onPage(desk.page, en.staffSearch.title);
  await desk.page
    .getByRole('navigation', { name: en.nav.label })
    .getByRole('link', { name: en.nav.checkIns })
    .click();
  await onPage(desk.page, en.checkIn.staff.title);
  const row = desk.page.getByRole('row').filter({ hasText: PATIENT });
  expect(await row.textContent()).toContain(en.checkIn.staff.notReviewed);
  expect(await row.textContent()).toContain(en.checkIn.staff.sections.insurance);
  await row.getByRole('link', { name: PATIENT }).click();
  await onPage(desk.page, fill(en.checkIn.staff.detailTitle, { name: PATIENT }));
  const phoneRow = desk.page.locator('tr', { hasText: en.checkIn.details.phone });
  expect(await phoneRow.textContent()).toContain('+1 555 010 0199');
  expect(await desk.page.getByRole('main').textContent()).toContain('Vitamina D 1000 UI');
  expect(await desk.page.getByRole('main').textContent()).toContain('Una tos que no se va');
  await desk.page.getByRole('button', { name: en.checkIn.staff.markReviewed }).click();
  await desk.page.getByText(/^Reviewed by Dana Whitcombe on /).waitFor();
  await expectAccessible(desk.page);

  await chooseLanguage(desk.page, 'es');
  await onPage(desk.page, fill(es.checkIn.staff.detailTitle, { name: PATIENT }));
  await desk.page.getByRole('link', { name: es.checkIn.staff.back }).click();
  await onPage(desk.page, es.checkIn.staff.title);
  await desk.page.getByLabel(es.checkIn.staff.show).selectOption('all');
  await desk.page.getByRole('button', { name: es.checkIn.staff.filter }).click();
  await expect
    .poll(() => desk.page.getByRole('row').filter({ hasText: PATIENT }).textContent())
    .toContain(fill(es.checkIn.staff.reviewedBy, { name: 'Dana Whitcombe' }));
  await expectAccessible(desk.page);
  expect(desk.problems).toEqual([]);

  // Reviewed: the patient's page now sends changes to the front desk instead.
  await page.goto(`${e2e.portal.url}/appointments/${id}/check-in`);
  await onPage(page, es.checkIn.title);
  await page.getByText(es.checkIn.closed.reviewed).waitFor();
  await expectAccessible(page);
});
