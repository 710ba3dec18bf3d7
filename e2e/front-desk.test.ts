// The front desk in the browser (issue 6): the demo front desk signs in with
// TOTP, books a time today for a demo patient from the patient's page, finds
// it in the day view and marks the arrival; declines one booking request and
// approves another; and the desk's pages read in Spanish too. Axe on every page.
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
import { addDemoSlot, clinicClock, offGridStart } from './scheduling.ts';
import { setUpBrowserAndPortal } from './setup.ts';

const t = texts.en;
const es = texts.es;
const e2e = setUpBrowserAndPortal();
const PATIENT = 'Casares, José María';
const RIVERSIDE_ZONE = 'America/New_York';

const open = (options: { locale?: string; width?: number } = {}) =>
  openPage(e2e.browser, e2e.portal.url, e2e.contexts, options);

const deskSignIn = (page: Page) => signInAsDemoStaff(page, t, e2e.portal.url, 'front_desk');

const nav = (page: Page, name: string) =>
  page.getByRole('navigation', { name: t.nav.label }).getByRole('link', { name, exact: true });

const fill = (text: string, values: Record<string, string>) =>
  text.replace(/{{(\w+)}}/g, (_, key: string) => values[key] ?? '');

/**
 * A free 20-minute slot for Dr. Brandt starting a few minutes from now, put
 * into the demo EHR as any scheduler would; its minute is off the demo's
 * grid, so the page shows it apart. Near midnight in the clinic's zone it
 * waits for the new day, so the visit is today there.
 */
async function slotLaterToday(): Promise<{ date: string; clock: string }> {
  const minute = 60_000;
  for (;;) {
    const start = offGridStart(8 * minute);
    const at = clinicClock(start, RIVERSIDE_ZONE);
    if (at.date === clinicClock(new Date(), RIVERSIDE_ZONE).date) {
      await addDemoSlot(e2e.portal, { schedule: 'schedule-riverside-1', start });
      return at;
    }
    await new Promise((resolve) => setTimeout(resolve, minute));
  }
}

// Up to 15 minutes: only near midnight in the clinic's zone, when the slot helper waits for the new day.
test('the front desk books today for a patient, sees it in the day view and marks the arrival', {
  timeout: 15 * 60_000,
}, async () => {
  const slot = await slotLaterToday();
  const { page, problems } = await open();
  await deskSignIn(page);
  await onPage(page, t.staffSearch.title);
  await page.getByLabel(t.staffSearch.query).fill('Casares');
  await page.getByRole('button', { name: t.staffSearch.submit, exact: true }).click();
  await page.getByRole('link', { name: PATIENT }).click();
  await onPage(page, PATIENT);

  await page.getByRole('link', { name: t.frontDesk.patientSection.open }).click();
  await onPage(page, fill(t.frontDesk.book.title, { name: PATIENT }));
  await page.getByLabel(t.frontDesk.book.visitType).selectOption({ label: 'Office visit' });
  await page.getByLabel(t.frontDesk.book.from).fill(slot.date);
  await page.getByLabel(t.frontDesk.book.to).fill(slot.date);
  await page.getByRole('button', { name: t.frontDesk.book.find }).click();
  const time = page.getByRole('button', { name: new RegExp(`\\b${slot.clock}\\b.*Elias Brandt`) });
  await time.click();
  expect(await time.getAttribute('aria-pressed')).toBe('true');
  await expectAccessible(page);
  await page.getByRole('button', { name: t.frontDesk.book.confirmBook }).click();
  await page.getByText(/^Booked for /).waitFor();
  const upcoming = page.locator('section', {
    has: page.getByRole('heading', { name: t.frontDesk.book.upcoming }),
  });
  await upcoming
    .getByRole('button', {
      name: new RegExp(`^${t.frontDesk.book.reschedule} .*\\b${slot.clock}\\b`),
    })
    .waitFor();
  await expectAccessible(page);

  await nav(page, t.nav.schedule).click();
  await onPage(page, t.frontDesk.schedule.title);
  const row = page.getByRole('row').filter({ hasText: PATIENT });
  expect(await row.textContent()).toContain(slot.clock);
  await row.getByRole('button', { name: new RegExp(`^${t.frontDesk.mark.arrived} `) }).click();
  await page.getByText(fill(t.frontDesk.marked.arrived, { name: PATIENT })).waitFor();
  await expect.poll(() => row.textContent()).toContain(t.frontDesk.status.arrived);
  expect(await row.getByRole('button', { name: /^Mark arrived/ }).count()).toBe(0);
  await expectAccessible(page);
  expect(problems).toEqual([]);
});

interface Options {
  clinics: {
    clinic: { id: string; name: string };
    visitTypes: { id: string; code: string }[];
  }[];
}

/** The demo patient asks for a new-patient visit (a request the clinic approves), as the web app would. */
async function requestVisit(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const json = async <T>(path: string, init?: RequestInit): Promise<T> => {
      const response = await fetch(path, init);
      if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
      return (await response.json()) as T;
    };
    const { csrfToken } = await json<{ csrfToken: string }>('/api/session');
    const { clinics } = await json<Options>('/api/scheduling/options');
    const riverside = clinics.find((c) => c.clinic.name.startsWith('Riverside'));
    const visit = riverside?.visitTypes.find((v) => v.code === 'new-patient');
    const { slots } = await json<{ slots: { id: string }[] }>(
      `/api/scheduling/slots?clinicId=${riverside?.clinic.id}&visitTypeId=${visit?.id}`,
    );
    const asked = await json<{ status: string }>('/api/appointments', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken },
      body: JSON.stringify({ slotId: slots[0]?.id, visitTypeId: visit?.id }),
    });
    return asked.status;
  });
}

test('the requests queue: one declined with a reason, one approved', async () => {
  const patient = await open();
  await patient.page.goto(`${e2e.portal.url}/sign-in`);
  await fillSignIn(patient.page, t, demoEmail('patient'), DEMO_PASSWORD);
  await onPage(patient.page, t.offer.title);
  expect(await requestVisit(patient.page)).toBe('requested');

  const { page, problems } = await open();
  await deskSignIn(page);
  await onPage(page, t.staffSearch.title);
  await nav(page, t.nav.requests).click();
  await onPage(page, t.frontDesk.requests.title);
  const rows = page.locator('tbody tr');
  await expect.poll(() => rows.count()).toBe(1);
  await rows
    .first()
    .getByRole('button', { name: new RegExp(`^${t.frontDesk.requests.decline} `) })
    .click();
  const dialog = page.getByRole('dialog', { name: t.frontDesk.requests.declineTitle });
  await dialog.waitFor();
  await dialog.getByRole('button', { name: t.frontDesk.requests.decline, exact: true }).click();
  await dialog.getByText(t.frontDesk.reason.missing).first().waitFor();
  await expectAccessible(page);
  await dialog.getByLabel(t.frontDesk.reason.label).fill('The doctor is away that week');
  await dialog.getByRole('button', { name: t.frontDesk.requests.decline, exact: true }).click();
  await page.getByText(/ is declined; the patient is told by e-mail\.$/).waitFor();
  await page.getByText(t.frontDesk.requests.none).waitFor();

  // Declined, the patient may ask again; this time the desk approves.
  expect(await requestVisit(patient.page)).toBe('requested');
  await page.reload();
  await onPage(page, t.frontDesk.requests.title);
  await expect.poll(() => rows.count()).toBe(1);
  await rows
    .first()
    .getByRole('button', { name: new RegExp(`^${t.frontDesk.requests.approve} `) })
    .click();
  await page.getByText(/ is approved; it is on its way to the EHR\.$/).waitFor();
  await page.getByText(t.frontDesk.requests.none).waitFor();
  await expectAccessible(page);
  expect(problems).toEqual([]);
  expect(patient.problems).toEqual([]);
});

test('the desk pages in Spanish, on a small phone too', async () => {
  const { page, problems } = await open();
  await deskSignIn(page);
  await onPage(page, t.staffSearch.title);
  await chooseLanguage(page, 'es');
  await page.setViewportSize({ width: 360, height: 800 });
  const spanishNav = (name: string) =>
    page.getByRole('navigation', { name: es.nav.label }).getByRole('link', { name, exact: true });

  await spanishNav(es.nav.schedule).click();
  await onPage(page, es.frontDesk.schedule.title);
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(
    true,
  );
  await page.getByRole('button', { name: es.frontDesk.schedule.nextDay }).click();
  await expect.poll(() => new URL(page.url()).searchParams.get('date')).not.toBeNull();
  await expectAccessible(page);

  await spanishNav(es.nav.requests).click();
  await onPage(page, es.frontDesk.requests.title);

  await spanishNav(es.nav.patients).click();
  await onPage(page, es.staffSearch.title);
  await page.getByLabel(es.staffSearch.query).fill('Casares');
  await page.getByRole('button', { name: es.staffSearch.submit, exact: true }).click();
  await page.getByRole('link', { name: PATIENT }).click();
  await onPage(page, PATIENT);
  await page.getByRole('link', { name: es.frontDesk.patientSection.open }).click();
  await onPage(page, fill(es.frontDesk.book.title, { name: PATIENT }));
  await page.getByRole('button', { name: es.frontDesk.book.find }).click();
  await page.getByRole('heading', { name: es.frontDesk.book.results }).waitFor();
  await expectAccessible(page);
  expect(problems).toEqual([]);
});
