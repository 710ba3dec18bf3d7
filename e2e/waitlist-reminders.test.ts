// Reminders and the waitlist in the browser (issue 6). A time a day ahead is
// added to the demo EHR; the demo patient books it and, about two minutes
// later, the reminder job puts the 24-hour reminder in the dev mailbox. Then
// the patient asks for an earlier time for a later visit; the front desk
// books an earlier time for someone else and cancels it; the patient gets the
// offer on the pages and by e-mail, and takes it by keyboard: the visit moves
// and its old time is let go. Axe on the waitlist section, the offers and the
// mailbox, in English and in Spanish.
import type { Locator, Page } from 'playwright-core';
import { expect, test } from 'vitest';
import { addDays, todayIn, whenText } from '../web/src/appointments/when.ts';
import { expectAccessible } from './browser.ts';
import {
  chooseLanguage,
  demoEmail,
  onPage,
  openPage,
  signInAsDemoStaff,
  type Texts,
  tabTo,
  texts,
} from './identity.ts';
import { addDemoSlot, clinicClock, mailbox, offGridStart, signInPatient } from './scheduling.ts';
import { setUpBrowserAndPortal } from './setup.ts';

const OFFER_MINUTES = 30;
const e2e = setUpBrowserAndPortal({
  env: { APPOINTMENT_REMINDER_HOURS: '24', WAITLIST_OFFER_MINUTES: String(OFFER_MINUTES) },
});
const en = texts.en;
const es = texts.es;
/** The demo patient's clinic keeps New York time. */
const CLINIC = 'Riverside Family Medicine';
const ZONE = 'America/New_York';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const open = () => openPage(e2e.browser, e2e.portal.url, e2e.contexts);
const daysAhead = (n: number) => addDays(todayIn(ZONE), n);
/** Dates and times as Intl writes them (its spaces vary: narrow, no-break), compared word by word. */
const words = (text: string | null) => (text ?? '').replace(/\s+/g, ' ').trim();
const timeOfDay = (hour: number) => (hour < 12 ? 'morning' : hour < 17 ? 'afternoon' : 'evening');

const results = (page: Page) =>
  page.getByRole('region', { name: en.appointments.results.title, exact: true });
const lead = async (page: Page) => words(await page.locator('.lead').textContent());
const statusOf = (page: Page) => page.locator('.facts .badge').textContent();
/** The value beside a label in a list of facts. */
const fact = async (scope: Locator, label: string) =>
  words(
    await scope
      .locator('.facts > div', { has: scope.page().getByText(label, { exact: true }) })
      .locator('dd')
      .textContent(),
  );

/** The demo patient, signed in on the page to book a visit. */
async function patientOnFindPage(page: Page) {
  await page.goto(`${e2e.portal.url}/appointments/new`);
  await onPage(page, en.signIn.title);
  await signInPatient(page, en.appointments.find.title);
}

/** Holds and books the time; returns the new appointment's id. */
async function book(page: Page, time: Locator): Promise<string> {
  const ta = en.appointments;
  await time.click();
  await onPage(page, ta.hold.title);
  await page.getByRole('button', { name: ta.hold.book }).click();
  await onPage(page, ta.done.booked);
  await expect.poll(() => statusOf(page), { timeout: 30_000 }).toBe(ta.status.booked);
  const href = await page.getByRole('link', { name: ta.done.details }).getAttribute('href');
  return href?.split('/').pop() ?? '';
}

/** The demo system administrator, who reads the dev mailbox (in whichever language they last chose). */
async function signInAdmin(page: Page) {
  await signInAsDemoStaff(page, en, e2e.portal.url, 'system_admin');
  const locked = new RegExp(`^(${en.locked.title}|${es.locked.title})$`);
  await page.getByRole('heading', { level: 1, name: locked }).waitFor();
  await expectAccessible(page);
}

interface Options {
  clinics: {
    clinic: { id: string; name: string };
    visitTypes: { id: string; code: string }[];
    providers: { id: string; name: string }[];
  }[];
}

/**
 * Searches Dr. Brandt's Office visits on the date, as the pages do, until the
 * portal lists the time on one of the day's pages: a search reads its window
 * from the EHR again, but answers from what it has after two seconds, so a
 * slow read shows up later.
 */
async function untilThePortalOffers(page: Page, start: Date, date: string) {
  const get = async <T>(path: string) => {
    const response = await page.request.get(`${e2e.portal.url}${path}`);
    expect(response.status()).toBe(200);
    return (await response.json()) as T;
  };
  const { clinics } = await get<Options>('/api/scheduling/options');
  const riverside = clinics.find((c) => c.clinic.name === CLINIC);
  const query = new URLSearchParams({
    clinicId: riverside?.clinic.id ?? '',
    visitTypeId: riverside?.visitTypes.find((v) => v.code === 'office-visit')?.id ?? '',
    providerId: riverside?.providers.find((p) => p.name.includes('Elias Brandt'))?.id ?? '',
    from: date,
    to: date,
  });
  // Every page of the day: late in the day the time is past the first page's twenty.
  const listed = async () => {
    for (let page = 1; ; page++) {
      query.set('page', String(page));
      const found = await get<{ slots: { startsAt: string }[]; hasMore: boolean }>(
        `/api/scheduling/slots?${query}`,
      );
      if (found.slots.some((slot) => Date.parse(slot.startsAt) === start.getTime())) return true;
      if (!found.hasMore) return false;
    }
  };
  await expect.poll(listed, { timeout: 30_000, interval: 1_000 }).toBe(true);
}

test('the 24-hour reminder of a visit booked a day ahead reaches the dev mailbox', {
  timeout: 10 * 60_000,
}, async () => {
  const ta = en.appointments;
  const { page, problems } = await open();
  await patientOnFindPage(page);

  // Dr. Brandt gets a free time 24 hours and two minutes ahead: once booked,
  // its 24-hour reminder falls due in about two minutes.
  const start = offGridStart(24 * HOUR + 2 * MINUTE);
  await addDemoSlot(e2e.portal, { schedule: 'schedule-riverside-1', start });
  const at = clinicClock(start, ZONE);
  await untilThePortalOffers(page, start, at.date);
  await page.getByLabel('Office visit', { exact: true }).check();
  const provider = page.getByLabel(ta.find.provider, { exact: true });
  const brandt = await provider
    .locator('option', { hasText: 'Elias Brandt' })
    .getAttribute('value');
  await provider.selectOption(brandt ?? '');
  await page.getByLabel(ta.find.from, { exact: true }).fill(at.date);
  await page.getByLabel(ta.find.to, { exact: true }).fill(at.date);
  await page
    .getByLabel(ta.find.timeOfDay, { exact: true })
    .selectOption({ label: ta.find.times[timeOfDay(at.hour)] });
  await page.getByRole('button', { name: ta.find.search, exact: true }).click();
  const id = await book(
    page,
    results(page).getByRole('button', { name: new RegExp(`\\b${at.clock}\\b.*Elias Brandt`) }),
  );
  const when = words(whenText('en', start.toISOString(), ZONE));
  expect(await fact(page.getByRole('main'), ta.facts.when)).toBe(when);

  // The reminder: clinic, date and time, a link and the calendar file; no visit type, no provider.
  const admin = await open();
  await signInAdmin(admin.page);
  const link = `${e2e.portal.url}/appointments/${id}`;
  const reminders = async () =>
    (await mailbox(admin.page, e2e.portal.url)).filter(
      (m) => m.to === demoEmail('patient') && m.subject === 'Appointment reminder',
    );
  await expect
    .poll(async () => (await reminders()).length, { timeout: 5 * 60_000, interval: 5_000 })
    .toBe(1);
  const [reminder] = await reminders();
  expect(reminder?.attachments).toEqual(['appointment.ics']);
  const body = words(reminder?.body ?? null);
  expect(body).toContain(`Reminder: you have an appointment at ${CLINIC} on ${when}.`);
  expect(body).toContain(link);
  expect(body).not.toMatch(/Office visit|Brandt/);

  // The mailbox page shows it, in English and in Spanish.
  await admin.page.goto(`${e2e.portal.url}/admin/mailbox`);
  await onPage(admin.page, en.mailbox.title);
  const card = admin.page.locator('.mail-list .card', { hasText: 'Appointment reminder' });
  expect(await fact(card, en.mailbox.attachments)).toBe('appointment.ics');
  await chooseLanguage(admin.page, 'es');
  await onPage(admin.page, es.mailbox.title);
  expect(await fact(card, es.mailbox.attachments)).toBe('appointment.ics');
  expect(problems).toEqual([]);
  expect(admin.problems).toEqual([]);
});

interface Freed {
  startsAt: string;
  providerName: string;
}

/**
 * The front desk books the first Office visit from `from` for another
 * Riverside patient and cancels it at once, as the web app would: that time
 * is freed and offered to whoever waits for an earlier one.
 */
function freeATime(desk: Page, from: string): Promise<Freed> {
  return desk.evaluate(async (from) => {
    const json = async <T>(path: string, init?: RequestInit): Promise<T> => {
      const response = await fetch(path, init);
      if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
      return (await response.json()) as T;
    };
    const { csrfToken } = await json<{ csrfToken: string }>('/api/session');
    const post = <T>(path: string, body: unknown) =>
      json<T>(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken },
        body: JSON.stringify(body),
      });
    const { patients } = await post<{ patients: { id: string }[] }>('/api/staff/patients/search', {
      q: 'Casares',
    });
    const patientId = patients[0]?.id;
    const { clinics } = await json<Options>('/api/staff/scheduling/options');
    const riverside = clinics.find((c) => c.clinic.name.startsWith('Riverside'));
    const visit = riverside?.visitTypes.find((v) => v.code === 'office-visit');
    const query = new URLSearchParams({
      clinicId: riverside?.clinic.id ?? '',
      visitTypeId: visit?.id ?? '',
      patientId: patientId ?? '',
      from,
    });
    const { slots } = await json<{
      slots: { id: string; startsAt: string; providerName: string }[];
    }>(`/api/staff/scheduling/slots?${query}`);
    const slot = slots[0];
    if (!slot) throw new Error(`no open Office visit from ${from}`);
    const booked = await post<{ id: string }>('/api/staff/appointments', {
      patientId,
      slotId: slot.id,
      visitTypeId: visit?.id,
    });
    await post(`/api/staff/appointments/${booked.id}/cancel`, {
      reason: 'The patient is away that week',
    });
    return { startsAt: slot.startsAt, providerName: slot.providerName };
  }, from);
}

async function apiAppointment(page: Page, id: string): Promise<{ startsAt: string }> {
  const response = await page.request.get(`${e2e.portal.url}/api/appointments/${id}`);
  expect(response.status()).toBe(200);
  return (await response.json()) as { startsAt: string };
}

async function apiOffers(page: Page): Promise<{ expiresAt: string }[]> {
  const response = await page.request.get(`${e2e.portal.url}/api/waitlist/offers`);
  expect(response.status()).toBe(200);
  return ((await response.json()) as { offers: { expiresAt: string }[] }).offers;
}

const waitlistSection = (page: Page, t: Texts) =>
  page.getByRole('region', { name: t.waitlist.section.title, exact: true });
const offersSection = (page: Page, t: Texts) =>
  page.getByRole('region', { name: t.waitlist.offers.title, exact: true });

test('a patient waits for an earlier time, is offered a freed one and takes it by keyboard', {
  timeout: 5 * 60_000,
}, async () => {
  const ta = en.appointments;
  const tw = en.waitlist;
  const { page, problems } = await open();
  await patientOnFindPage(page);

  // A visit ten days ahead, then the wish for an earlier time with anyone.
  await page.getByLabel('Office visit', { exact: true }).check();
  await page.getByLabel(ta.find.from, { exact: true }).fill(daysAhead(10));
  await page.getByRole('button', { name: ta.find.search, exact: true }).click();
  const laterId = await book(page, results(page).locator('.time-button').first());
  await page.getByRole('link', { name: ta.done.details }).click();
  await onPage(page, 'Office visit');
  const laterWhen = await lead(page);
  let section = waitlistSection(page, en);
  expect(words(await section.textContent())).toContain(tw.section.intro);
  await section.getByLabel(tw.section.any, { exact: true }).check();
  await section.getByRole('button', { name: tw.section.join }).click();
  await section.getByRole('status').filter({ hasText: tw.section.joined }).waitFor();
  expect(words(await section.textContent())).toContain(tw.section.waitingAny);
  await expectAccessible(page);

  // Now reading in Spanish (the portal writes to the patient in Spanish from here on).
  await chooseLanguage(page, 'es');
  section = waitlistSection(page, es);
  await section.getByText(es.waitlist.section.waitingAny).waitFor();
  expect(await section.getByLabel(es.waitlist.section.any, { exact: true }).isChecked()).toBe(true);
  await expectAccessible(page);

  // The front desk frees an earlier time.
  const desk = await open();
  await signInAsDemoStaff(desk.page, en, e2e.portal.url, 'front_desk');
  await onPage(desk.page, en.staffSearch.title);
  const freed = await freeATime(desk.page, daysAhead(5));
  expect(Date.parse(freed.startsAt)).toBeLessThan(
    Date.parse((await apiAppointment(page, laterId)).startsAt),
  );

  // The offer on the appointments page, in Spanish.
  await page
    .getByRole('navigation', { name: es.nav.label })
    .getByRole('link', { name: es.nav.appointments })
    .click();
  await onPage(page, es.appointments.title);
  const offers = offersSection(page, es);
  await expect.poll(() => offers.getByRole('listitem').count()).toBe(1);
  await expectAccessible(page);

  // And by e-mail, in Spanish: the clinic, the time offered and where to take it; nothing clinical.
  const admin = await open();
  await signInAdmin(admin.page);
  const offerMail = (await mailbox(admin.page, e2e.portal.url)).find(
    (m) => m.to === demoEmail('patient') && m.subject === 'Hay un horario más temprano',
  );
  expect(offerMail).toBeDefined();
  const offersUrl = `${e2e.portal.url}/appointments/offers`;
  const body = words(offerMail?.body ?? null);
  expect(body).toContain(
    `Hay un horario de cita más temprano en ${CLINIC}: ${words(whenText('es', freed.startsAt, ZONE))}.`,
  );
  expect(body).toContain(offersUrl);
  expect(body).not.toMatch(/Consulta en el consultorio|Office visit/);
  expect(body).not.toContain(freed.providerName);
  expect(offerMail?.attachments).toEqual([]);

  // The mail's link: the offers page, in Spanish and in English; open for the configured time.
  await page.goto(offersUrl);
  await onPage(page, es.waitlist.offers.title);
  await chooseLanguage(page, 'en');
  await onPage(page, tw.offers.title);
  const card = page.locator('.appointment-list .card');
  const offered = words(whenText('en', freed.startsAt, ZONE));
  expect(words(await card.getByRole('heading').textContent())).toBe(offered);
  expect(await fact(card, tw.offers.instead)).toBe(laterWhen);
  expect(await fact(card, tw.offers.clinic)).toBe(CLINIC);
  expect(await fact(card, tw.offers.provider)).toBe(freed.providerName);
  const [offer] = await apiOffers(page);
  const openFor = Date.parse(offer?.expiresAt ?? '') - Date.now();
  expect(openFor).toBeGreaterThan((OFFER_MINUTES - 5) * MINUTE);
  expect(openFor).toBeLessThanOrEqual(OFFER_MINUTES * MINUTE);

  // Taken by keyboard: Tab to "Take this time", Enter; the outcome takes focus.
  const accept = card.getByRole('button', { name: new RegExp(`^${tw.offers.accept} `) });
  await tabTo(page, accept, 40);
  await page.keyboard.press('Enter');
  const accepted = page
    .getByRole('status')
    .filter({ hasText: tw.offers.accepted.split('{{when}}')[0] as string });
  await accepted.waitFor();
  expect(words(await accepted.textContent())).toContain(
    words(tw.offers.accepted.replace('{{when}}', offered)),
  );
  expect(words(await page.evaluate(() => document.activeElement?.textContent ?? null))).toContain(
    words(tw.offers.accepted.replace('{{when}}', offered)),
  );
  await page.getByText(tw.offers.none).waitFor();
  await expectAccessible(page);

  // The visit is now at the earlier time; no longer waiting, it may wait again.
  await accepted.getByRole('link', { name: tw.offers.seeAppointment }).click();
  await onPage(page, 'Office visit');
  expect(await lead(page)).toBe(offered);
  expect(page.url()).not.toContain(laterId);
  expect(words(await waitlistSection(page, en).textContent())).toContain(tw.section.intro);

  // The old time is let go: that appointment is cancelled as moved.
  await page.goto(`${e2e.portal.url}/appointments/${laterId}`);
  await onPage(page, 'Office visit');
  expect(await lead(page)).toBe(laterWhen);
  expect(await statusOf(page)).toBe(ta.status.cancelled);
  expect(await fact(page.getByRole('main'), ta.facts.reason)).toBe(ta.movedReason);
  const cancelling = (await mailbox(admin.page, e2e.portal.url)).find(
    (m) =>
      m.subject === 'Your appointment was cancelled' &&
      m.body?.includes(`${e2e.portal.url}/appointments/${laterId}`),
  );
  expect(cancelling?.attachments).toEqual(['appointment.ics']);
  expect(problems).toEqual([]);
  expect(desk.problems).toEqual([]);
  expect(admin.problems).toEqual([]);
});
