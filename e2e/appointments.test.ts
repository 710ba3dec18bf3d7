// The patient's appointment pages in the browser (issue 6): finding a time,
// holding it, booking it (the demo EHR confirms it through the outbox), the
// confirmation mail with its calendar file in the dev mailbox, the list, the
// details opened from the mail's link, moving and cancelling; the same in
// Spanish on a phone. Axe on every state visited; time buttons and the cancel
// dialog by keyboard, with focus going where a keyboard user expects it.
import type { Locator, Page } from 'playwright-core';
import { expect, test } from 'vitest';
import { addDays, todayIn } from '../web/src/appointments/when.ts';
import { expectAccessible } from './browser.ts';
import {
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
/** The demo patient's clinic, Riverside, keeps New York time. */
const CLINIC_ZONE = 'America/New_York';
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

const open = (options: { width?: number } = {}) =>
  openPage(e2e.browser, e2e.portal.url, e2e.contexts, options);

/** A day some way ahead, in the clinic's calendar: past every cut-off and lead time. */
const daysAhead = (n: number) => addDays(todayIn(CLINIC_ZONE), n);

const results = (page: Page, t: Texts) =>
  page.getByRole('region', { name: t.appointments.results.title, exact: true });
const timeButtons = (page: Page, t: Texts) => results(page, t).locator('.time-button');

/** Searches one visit type from a day on; waits for the times. */
async function searchFrom(page: Page, t: Texts, from: string, visitType?: string) {
  if (visitType) await page.getByLabel(visitType, { exact: true }).check();
  await page.getByLabel(t.appointments.find.from).fill(from);
  await page.getByRole('button', { name: t.appointments.find.search, exact: true }).click();
  await timeButtons(page, t).first().waitFor();
  expect(await page.getByRole('status').filter({ hasText: /\d/ }).first().textContent()).toBe(
    t.appointments.results.found_other.replace('{{count}}', '20'),
  );
}

const statusOf = (page: Page) => page.locator('.facts .badge').textContent();
const h1 = (page: Page) => page.getByRole('heading', { level: 1 });
const focusedSlotId = (page: Page) =>
  page.evaluate(() => document.activeElement?.getAttribute('data-slot-id') ?? null);
const noSideScroll = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

async function calendarHref(page: Page, t: Texts): Promise<string> {
  const link = page.getByRole('link', { name: t.appointments.calendar.add });
  const href = (await link.getAttribute('href')) ?? '';
  expect(href).toMatch(new RegExp(`^/api/appointments/${UUID}/calendar\\.ics$`));
  expect(await link.getAttribute('download')).toBe('appointment.ics');
  return href;
}

/** Opens the cancel dialog from the keyboard and checks where focus goes. */
async function openCancelDialog(page: Page, t: Texts, cancel: Locator): Promise<Locator> {
  await cancel.focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: t.appointments.cancel.title });
  await dialog.waitFor();
  expect(await isFocused(dialog.getByLabel(t.appointments.cancel.reason))).toBe(true);
  return dialog;
}

test('a patient finds a time, holds and books it, gets the mail, moves and cancels it', {
  timeout: 240_000,
}, async () => {
  const ta = en.appointments;
  const { page, problems } = await open();
  await page.goto(`${e2e.portal.url}/sign-in`);
  await signInPatient(page, en.home.greeting.replace('{{name}}', 'Jill Tillman'));

  // From the home page to the list: nothing booked yet.
  await page.getByRole('main').getByRole('link', { name: ta.title, exact: true }).click();
  await onPage(page, ta.title);
  await page.getByText(ta.noUpcoming).waitFor();
  await page.getByRole('link', { name: ta.book }).click();
  await onPage(page, ta.find.title);

  // No visit type chosen: the summary takes focus and leads to the choice.
  await page.getByRole('button', { name: ta.find.search, exact: true }).click();
  const summary = page.locator('.error-summary');
  await summary.getByRole('link', { name: ta.find.chooseVisitType }).waitFor();
  expect(await isFocused(summary)).toBe(true);
  await expectAccessible(page);

  // A visit type the clinic books only by phone offers its number, not a search.
  await page.getByLabel('Minor procedure', { exact: true }).check();
  const callNotice = page.locator('.notice', { hasText: ta.find.callToBook });
  expect(await callNotice.getByRole('link', { name: '+1-518-555-0142' }).getAttribute('href')).toBe(
    'tel:+15185550142',
  );
  expect(await page.getByRole('button', { name: ta.find.search }).count()).toBe(0);
  await expectAccessible(page);

  await page.getByLabel('Office visit', { exact: true }).check();
  await searchFrom(page, en, daysAhead(7));
  expect(await results(page, en).textContent()).toContain(
    ta.results.zone.replace('{{zone}}', 'Eastern Time'),
  );
  await expectAccessible(page);

  // Keyboard: from "Show times" on to the first time; Enter holds it.
  const first = timeButtons(page, en).first();
  await tabTo(page, first);
  const chosen = await first.getAttribute('data-slot-id');
  await page.keyboard.press('Enter');
  await onPage(page, ta.hold.title);
  expect(await isFocused(h1(page))).toBe(true);
  expect(await page.locator('.hold-clock').textContent()).toMatch(/[0-5]:\d\d$/);

  // "Choose another time" lets it go and puts focus back on that time.
  await tabTo(page, page.getByRole('button', { name: ta.hold.other }));
  await page.keyboard.press('Enter');
  await onPage(page, ta.find.title);
  await expect.poll(() => focusedSlotId(page)).toBe(chosen);

  // Another time, booked.
  const second = timeButtons(page, en).nth(1);
  const secondText = (await second.locator('span').first().textContent()) ?? '';
  await second.click();
  await onPage(page, ta.hold.title);
  expect(await page.locator('.facts').textContent()).toContain(secondText);
  await page.getByRole('button', { name: ta.hold.book }).click();
  await onPage(page, ta.done.booked);
  expect([ta.status.confirming, ta.status.booked]).toContain(await statusOf(page));
  // The demo EHR confirms through the outbox within seconds; the page looks again meanwhile.
  await expect.poll(() => statusOf(page), { timeout: 30_000 }).toBe(ta.status.booked);
  await page.getByRole('status').filter({ hasText: ta.statusHelp.booked }).waitFor();
  const ics = await calendarHref(page, en);
  const id = ics.split('/')[3] as string;
  await expectAccessible(page);
  const calendar = await page.request.get(`${e2e.portal.url}${ics}`);
  expect(calendar.headers()['content-type']).toContain('text/calendar');
  expect(await calendar.text()).toContain('BEGIN:VEVENT');

  // The confirmation mail: no clinical detail, a link to the appointment, the calendar file.
  const admin = await open();
  await signInAsDemoStaff(admin.page, en, e2e.portal.url, 'system_admin');
  await onPage(admin.page, en.locked.title);
  const link = `${e2e.portal.url}/appointments/${id}`;
  const confirmation = async () =>
    (await mailbox(admin.page, e2e.portal.url)).find(
      (m) => m.to === demoEmail('patient') && m.body?.includes(link) && /confirmed/.test(m.subject),
    );
  await expect.poll(confirmation, { timeout: 30_000 }).toBeDefined();
  const mail = (await confirmation()) as Mail;
  expect(mail.attachments).toEqual(['appointment.ics']);
  expect(mail.body).not.toContain('Office visit');

  // The mail's link works on its own: sign-in first, then straight to the appointment.
  const fromMail = await open();
  await fromMail.page.goto(link);
  await onPage(fromMail.page, en.signIn.title);
  await signInPatient(fromMail.page, 'Office visit');
  expect(await statusOf(fromMail.page)).toBe(ta.status.booked);

  // The list shows it.
  await page.getByRole('link', { name: ta.done.list }).click();
  await onPage(page, ta.title);
  const card = page.locator('.appointment-list .card').first();
  expect(await card.textContent()).toContain(ta.status.booked);
  expect(await card.textContent()).toContain('Riverside Family Medicine');
  await card.getByRole('link').click();
  await onPage(page, 'Office visit');
  expect(await page.getByRole('main').textContent()).toContain(
    ta.detail.changeUntil.split('{{when}}')[0] as string,
  );

  // Moving it: the same search for the same visit, then the new time.
  await page.getByRole('link', { name: ta.detail.reschedule }).click();
  await onPage(page, ta.find.moveTitle);
  await searchFrom(page, en, daysAhead(10));
  await timeButtons(page, en).first().click();
  await onPage(page, ta.hold.moveTitle);
  await page.getByRole('button', { name: ta.hold.move }).click();
  await onPage(page, ta.done.moved);
  const movedIcs = await calendarHref(page, en);
  expect(movedIcs).not.toBe(ics);
  await page.getByRole('link', { name: ta.done.details }).click();
  await onPage(page, 'Office visit');

  // Cancelling by keyboard: Escape keeps it and gives focus back; a reason is required.
  const cancel = page.getByRole('button', { name: ta.detail.cancel });
  let dialog = await openCancelDialog(page, en, cancel);
  await expectAccessible(page);
  await page.keyboard.press('Escape');
  await expect.poll(() => dialog.isVisible()).toBe(false);
  expect(await isFocused(cancel)).toBe(true);
  dialog = await openCancelDialog(page, en, cancel);
  await page.keyboard.press('Enter');
  await dialog.getByText(ta.cancel.missing).first().waitFor();
  await dialog.getByLabel(ta.cancel.reason).fill('The time no longer suits me');
  await dialog.getByLabel(ta.cancel.reason).press('Enter');
  const done = page.getByRole('status').filter({ hasText: ta.detail.cancelled });
  await done.waitFor();
  expect(await isFocused(done)).toBe(true);
  expect(await statusOf(page)).toBe(ta.status.cancelled);
  expect(await page.getByRole('link', { name: ta.calendar.remove }).count()).toBe(1);
  await expectAccessible(page);

  await page.getByRole('link', { name: ta.done.list }).click();
  await onPage(page, ta.title);
  await page.getByText(ta.noUpcoming).waitFor();
  expect(problems).toEqual([]);
  expect(admin.problems).toEqual([]);
  expect(fromMail.problems).toEqual([]);
});

test('the same pages in Spanish on a small phone', { timeout: 180_000 }, async () => {
  const ta = es.appointments;
  const { page, problems } = await open({ width: 360 });
  await page.goto(`${e2e.portal.url}/sign-in`);
  await signInPatient(page, en.home.greeting.replace('{{name}}', 'Jill Tillman'));
  await page.getByRole('button', { name: en.language.es }).click();
  await expect.poll(() => page.evaluate(() => document.documentElement.lang)).toBe('es');

  const visit = 'Consulta por video';
  await page
    .getByRole('navigation', { name: es.nav.label })
    .getByRole('link', { name: es.nav.appointments })
    .click();
  await onPage(page, ta.title);
  await page.getByRole('link', { name: ta.book }).click();
  await onPage(page, ta.find.title);
  await searchFrom(page, es, daysAhead(5), visit);
  expect(await results(page, es).textContent()).toContain('EST');
  expect(await noSideScroll(page)).toBe(true);
  await expectAccessible(page);

  await timeButtons(page, es).first().click();
  await onPage(page, ta.hold.title);
  expect(await page.locator('.facts').textContent()).toContain(ta.modes.video);
  await page.getByRole('button', { name: ta.hold.book }).click();
  await onPage(page, ta.done.booked);
  await expect.poll(() => statusOf(page), { timeout: 30_000 }).toBe(ta.status.booked);
  await calendarHref(page, es);
  expect(await noSideScroll(page)).toBe(true);

  await page.getByRole('link', { name: ta.done.list }).click();
  await onPage(page, ta.title);
  expect(await page.locator('.appointment-list .card').first().textContent()).toContain(visit);
  await page.locator('.appointment-list .card').first().getByRole('link').click();
  await onPage(page, visit);

  await page.getByRole('link', { name: ta.detail.reschedule }).click();
  await onPage(page, ta.find.moveTitle);
  await searchFrom(page, es, daysAhead(6));
  await timeButtons(page, es).first().click();
  await onPage(page, ta.hold.moveTitle);
  await page.getByRole('button', { name: ta.hold.move }).click();
  await onPage(page, ta.done.moved);
  await page.getByRole('link', { name: ta.done.details }).click();
  await onPage(page, visit);

  const dialog = await openCancelDialog(
    page,
    es,
    page.getByRole('button', { name: ta.detail.cancel }),
  );
  await expectAccessible(page);
  await dialog.getByLabel(ta.cancel.reason).fill('Ya no me conviene el horario');
  await dialog.getByRole('button', { name: ta.cancel.confirm }).click();
  await page.getByRole('status').filter({ hasText: ta.detail.cancelled }).waitFor();
  expect(await statusOf(page)).toBe(ta.status.cancelled);
  expect(await noSideScroll(page)).toBe(true);
  await expectAccessible(page);
  expect(problems).toEqual([]);
});
