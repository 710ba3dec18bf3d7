// Secure messaging in the browser (issue 8): the demo patient writes to the
// medical pool with a PDF attached; the demo nurse finds the conversation in
// the pool, takes it, adds an internal note and replies with a quick-reply
// template; the patient reads the reply (never the note) and the unread count
// follows; the e-mail says only that a message is waiting. Then HTML and a
// link written by the patient stay inert text in the staff inbox, and the
// patient's pages in Spanish on a small phone. Axe on every state visited.
import { readFile } from 'node:fs/promises';
import type { Locator, Page } from 'playwright-core';
import { expect, test } from 'vitest';
import { demoAccounts } from '../src/modules/accounts/demo.ts';
import { demoClinics } from '../src/modules/clinics/demo.ts';
import { demoTemplates } from '../src/modules/messaging/demo.ts';
import { DEFAULT_POOLS } from '../src/modules/messaging/pools.ts';
import { expectAccessible } from './browser.ts';
import {
  chooseLanguage,
  demoEmail,
  onPage,
  openPage,
  signInAsDemoStaff,
  type Texts,
  texts,
} from './identity.ts';
import { mailbox, signInPatient } from './scheduling.ts';
import { setUpBrowserAndPortal } from './setup.ts';

const e2e = setUpBrowserAndPortal();
const en = texts.en;
const es = texts.es;
const PATIENT = 'Jill Tillman';
const CLINIC = demoClinics.find((c) => c.slug === 'riverside')?.name as string;
const NURSE = demoAccounts.find((a) => a.role === 'nurse')?.name as string;
const MEDICAL = DEFAULT_POOLS.find((p) => p.topic === 'medical');
const TEMPLATE = demoTemplates[0];
const SUBJECT = 'Question about my lab results';
const BODY = 'My cholesterol result came back high. Should I change my dose?';
const FILE_NAME = 'lab-results-march.pdf';
const NOTE = 'Checked the chart: LDL up since last year, flag for Dr. Brandt.';
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
/** The smallest file the server takes as a PDF: it checks the leading bytes. */
const PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n',
);

/** The thread the first test made; the Spanish test reads it again. */
let threadId = '';

const open = (options: { width?: number } = {}) =>
  openPage(e2e.browser, e2e.portal.url, e2e.contexts, options);

const fill = (text: string, values: Record<string, string | number>) =>
  text.replace(/{{(\w+)}}/g, (_, key: string) => String(values[key] ?? ''));

const main = (page: Page) => page.getByRole('main');
const nav = (page: Page, t: Texts) => page.getByRole('navigation', { name: t.nav.label });
const noSideScroll = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
/** A staff thread page's message, by its accessible name ("Message from …", "Internal note from …"). */
const article = (page: Page, name: string) => main(page).getByRole('article', { name });

async function signInAsPatient(page: Page) {
  await page.goto(`${e2e.portal.url}/sign-in`);
  await signInPatient(page, en.home.greeting.replace('{{name}}', PATIENT));
}

/** The patient's "Messages" in the navigation; with unread messages it says how many. */
function messagesLink(page: Page, t: Texts, unread = 0) {
  const name = unread
    ? fill(t.messages.nav[unread === 1 ? 'unread_one' : 'unread_other'], { count: unread })
    : t.messages.nav.label;
  return nav(page, t).getByRole('link', { name, exact: true });
}

/** Writes a new message to the clinic's medical pool; ends on the new thread's page, returns its id. */
async function writeMessage(
  page: Page,
  t: Texts,
  m: { subject: string; body: string; file?: { name: string; bytes: Buffer } },
): Promise<string> {
  const tm = t.messages;
  await messagesLink(page, t).click();
  await onPage(page, tm.title);
  await main(page).getByRole('link', { name: tm.list.new, exact: true }).click();
  await onPage(page, tm.new.title);
  const topics = page.getByRole('group', { name: tm.new.topic });
  await topics.getByRole('radio', { name: MEDICAL?.name_en, exact: true }).check();
  await page.getByLabel(tm.new.subject, { exact: true }).fill(m.subject);
  await page.getByLabel(tm.new.body, { exact: true }).fill(m.body);
  if (m.file) {
    await page
      .getByLabel(tm.files.label, { exact: true })
      .setInputFiles({ name: m.file.name, mimeType: 'application/pdf', buffer: m.file.bytes });
    // Uploaded as soon as chosen: the list shows it with its size once the server took it.
    await page
      .getByRole('list', { name: tm.files.attached })
      .getByText(`${m.file.name} (`)
      .waitFor();
  }
  await page.getByRole('button', { name: tm.new.send, exact: true }).click();
  await onPage(page, m.subject);
  const id = new URL(page.url()).pathname.match(new RegExp(`^/messages/(${UUID})$`))?.[1];
  expect(id).toBeDefined();
  return id as string;
}

/** The nurse: the inbox through the navigation, then the conversation by its subject. */
async function openInStaffInbox(staff: Page, subject: string): Promise<Locator> {
  await nav(staff, en).getByRole('link', { name: en.nav.inbox, exact: true }).click();
  await onPage(staff, en.inbox.title);
  const row = staff.locator('tbody tr').filter({ hasText: PATIENT }).filter({ hasText: subject });
  await expect.poll(() => row.count()).toBe(1);
  return row;
}

test('a patient writes with a file; the nurse takes it, notes and replies with a template; the patient reads the reply', {
  timeout: 300_000,
}, async () => {
  const tm = en.messages;
  const ti = en.inbox;
  const patient = await open();
  const { page } = patient;
  await signInAsPatient(page);

  // The new message: the pool's promise once the topic is chosen, then sent with a file.
  await messagesLink(page, en).click();
  await onPage(page, tm.title);
  await main(page).getByRole('link', { name: tm.list.new, exact: true }).click();
  await onPage(page, tm.new.title);
  const promise = main(page).locator('.message-promise');
  expect(await promise.textContent()).toContain(tm.responseTime.emergency);
  expect(await promise.textContent()).not.toContain(
    fill(tm.responseTime.reply_other, { count: MEDICAL?.target_business_days ?? 0 }),
  );
  await page
    .getByRole('group', { name: tm.new.topic })
    .getByRole('radio', { name: MEDICAL?.name_en, exact: true })
    .check();
  await expect
    .poll(() => promise.textContent())
    .toContain(
      `${fill(tm.responseTime.reply_other, { count: MEDICAL?.target_business_days ?? 0 })} ${tm.responseTime.emergency}`,
    );
  await expectAccessible(page);
  // Back to the list, where writing starts (the helper the safety test uses too).
  await page.getByRole('link', { name: tm.new.cancel, exact: true }).click();
  await onPage(page, tm.title);
  threadId = await writeMessage(page, en, {
    subject: SUBJECT,
    body: BODY,
    file: { name: FILE_NAME, bytes: PDF },
  });
  await main(page).getByText(tm.thread.sent).waitFor();
  const mine = main(page).getByRole('listitem').filter({ hasText: BODY });
  expect(await mine.getByRole('link', { name: new RegExp(FILE_NAME) }).count()).toBe(1);
  expect(await mine.textContent()).toContain(tm.thread.notRead);
  await expectAccessible(page);

  // The nurse: the medical pool has one new, unassigned conversation.
  const nurse = await open();
  const staff = nurse.page;
  await signInAsDemoStaff(staff, en, e2e.portal.url, 'nurse');
  await staff.getByRole('heading', { level: 1 }).waitFor();
  await nav(staff, en).getByRole('link', { name: en.nav.inbox, exact: true }).click();
  await onPage(staff, ti.title);
  const pools = main(staff).getByRole('region', { name: ti.pools.title });
  const medical = pools.getByRole('listitem').filter({
    has: staff.getByRole('link', { name: MEDICAL?.name_en, exact: true }),
  });
  await expect.poll(() => medical.textContent()).toContain(fill(ti.pools.new_one, { count: 1 }));
  expect(await medical.textContent()).toContain(fill(ti.pools.unassigned_one, { count: 1 }));
  await medical.getByRole('link', { name: MEDICAL?.name_en, exact: true }).click();
  await expect
    .poll(() => staff.getByLabel(ti.filters.pool, { exact: true }).inputValue())
    .not.toBe('');
  const row = staff.locator('tbody tr').filter({ hasText: PATIENT });
  await expect.poll(() => row.count()).toBe(1);
  const rowText = (await row.textContent()) ?? '';
  expect(rowText).toContain(SUBJECT);
  expect(rowText).toContain(ti.status.new);
  expect(rowText).toContain(fill(ti.flags.unread_one, { count: 1 }));
  expect(rowText).toContain(ti.flags.unassigned);
  await expectAccessible(staff);

  // The conversation: the patient's message and its file, which downloads as the PDF sent.
  await row.getByRole('link', { name: SUBJECT, exact: true }).click();
  await onPage(staff, SUBJECT);
  const theirs = article(staff, fill(ti.thread.messageBy, { name: PATIENT }));
  expect(await theirs.textContent()).toContain(BODY);
  const [download] = await Promise.all([
    staff.waitForEvent('download'),
    theirs.getByRole('link', { name: FILE_NAME, exact: true }).click(),
  ]);
  expect(download.suggestedFilename()).toBe(FILE_NAME);
  expect(await readFile(await download.path())).toEqual(PDF);

  // Taken, then an internal note, marked as one.
  await staff.getByRole('button', { name: ti.actions.assignMe, exact: true }).click();
  await staff.getByText(ti.actions.assignedToMe).waitFor();
  await expect.poll(() => main(staff).locator('dl.facts').textContent()).toContain(NURSE);
  await staff.getByLabel(ti.note.label).fill(NOTE);
  await staff.getByRole('button', { name: ti.note.save, exact: true }).click();
  await staff.getByText(ti.note.saved).waitFor();
  const note = article(staff, fill(ti.thread.noteBy, { name: NURSE }));
  await note.waitFor();
  expect(await note.textContent()).toContain(ti.thread.internal);
  expect(await note.textContent()).toContain(NOTE);
  await expectAccessible(staff);

  // The reply: a quick reply, filled for this patient, clinic and nurse, then sent.
  const reply = fill(TEMPLATE?.body_en ?? '', {
    patientFirstName: PATIENT.split(' ')[0] as string,
    clinicName: CLINIC,
    staffName: NURSE,
  });
  await staff
    .getByLabel(ti.reply.template, { exact: true })
    .selectOption({ label: TEMPLATE?.name });
  await staff.getByRole('button', { name: ti.reply.insert, exact: true }).click();
  const box = staff.getByLabel(ti.reply.label, { exact: true });
  await expect.poll(() => box.inputValue()).toBe(reply);
  // Every placeholder filled: the patient's first name, the clinic, the nurse.
  expect(reply).not.toContain('{{');
  for (const filled of ['Jill', CLINIC, NURSE]) expect(await box.inputValue()).toContain(filled);
  await staff.getByRole('button', { name: ti.reply.send, exact: true }).click();
  await staff.getByText(ti.reply.sent).waitFor();
  const ours = article(staff, fill(ti.thread.messageBy, { name: NURSE }));
  await expect.poll(() => ours.textContent()).toContain(reply);
  expect(await ours.textContent()).toContain(ti.thread.notRead);
  expect(await ours.textContent()).not.toContain(ti.thread.internal);
  await expectAccessible(staff);

  // The patient, back on the home page (the thread page would read the reply): one unread, not two.
  await page.goto(`${e2e.portal.url}/`);
  await expect
    .poll(
      async () => {
        if (await messagesLink(page, en, 1).count()) return true;
        await page.reload();
        return (await messagesLink(page, en, 1).count()) > 0;
      },
      { timeout: 30_000, interval: 1_000 },
    )
    .toBe(true);
  await messagesLink(page, en, 1).click();
  await onPage(page, tm.title);
  const item = main(page).getByRole('listitem').filter({ hasText: SUBJECT });
  expect(await item.textContent()).toContain(fill(tm.list.unread_one, { count: 1 }));
  await item.getByRole('link', { name: SUBJECT, exact: true }).click();
  await onPage(page, SUBJECT);
  const conversation = main(page).getByRole('region', { name: tm.thread.messages });
  await expect.poll(() => conversation.textContent()).toContain(reply);
  expect(await conversation.textContent()).not.toContain(NOTE);
  expect(await main(page).textContent()).not.toContain(ti.thread.internal);
  // Their own message: read by the care team. The reply, from the care team.
  const own = conversation.getByRole('listitem').filter({ hasText: BODY });
  expect(await own.locator('.message__receipt').textContent()).toMatch(
    new RegExp(`^${fill(tm.thread.read, { date: '' })}\\S`),
  );
  const answer = conversation.getByRole('listitem').filter({ hasText: reply });
  expect(await answer.textContent()).toContain(fill(tm.thread.from, { name: NURSE }));
  expect(await answer.textContent()).toContain(tm.thread.careTeam);
  // Read now: the count is gone from the navigation.
  await messagesLink(page, en).waitFor();
  expect(await nav(page, en).textContent()).not.toContain(fill(tm.nav.count, { count: 1 }));
  await expectAccessible(page);
  // The API the page reads holds no internal note either.
  const view = await page.request.get(`${e2e.portal.url}/api/messages/threads/${threadId}`);
  expect(view.status()).toBe(200);
  expect(await view.text()).not.toContain(NOTE);

  // The nurse sees the reply read.
  await staff.reload();
  await onPage(staff, SUBJECT);
  await expect
    .poll(() => ours.textContent())
    .toContain(fill(ti.thread.readAt, { time: '' }).trim());

  // The e-mail: the clinic's name and a link to the conversation, nothing of its content.
  const admin = await open();
  await signInAsDemoStaff(admin.page, en, e2e.portal.url, 'system_admin');
  await onPage(admin.page, en.locked.title);
  const link = `${e2e.portal.url}/messages/${threadId}`;
  const notices = async () =>
    (await mailbox(admin.page, e2e.portal.url)).filter(
      (m) => m.to === demoEmail('patient') && m.body?.includes(link),
    );
  await expect.poll(async () => (await notices()).length, { timeout: 30_000 }).toBe(1);
  const [mail] = await notices();
  expect(mail?.subject).toBe(`You have a new message from ${CLINIC}`);
  expect(mail?.attachments).toEqual([]);
  const said = `${mail?.subject}\n${mail?.body}`.toLowerCase();
  for (const secret of [SUBJECT, BODY, FILE_NAME, reply, NOTE, 'cholesterol', NURSE])
    expect(said).not.toContain(secret.toLowerCase());

  expect(patient.problems).toEqual([]);
  expect(nurse.problems).toEqual([]);
  expect(admin.problems).toEqual([]);
});

test('HTML and links a patient writes stay plain text in the staff inbox', {
  timeout: 180_000,
}, async () => {
  const XSS = '<img src=x onerror=alert(1)>';
  const EVIL = 'https://evil.example';
  const subject = `Rash ${XSS}`;
  const body = `See ${EVIL}/photos for pictures ${XSS} <a href="${EVIL}">here</a>`;
  const patient = await open();
  const dialogs: string[] = [];
  patient.page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await signInAsPatient(patient.page);
  await writeMessage(patient.page, en, { subject, body });
  expect(await main(patient.page).locator('img').count()).toBe(0);
  expect(await main(patient.page).textContent()).toContain(body);

  const nurse = await open();
  const staff = nurse.page;
  staff.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await signInAsDemoStaff(staff, en, e2e.portal.url, 'nurse');
  await staff.getByRole('heading', { level: 1 }).waitFor();
  const row = await openInStaffInbox(staff, subject);
  expect(await main(staff).locator('img').count()).toBe(0);
  await row.getByRole('link', { name: subject, exact: true }).click();
  await onPage(staff, subject);
  const theirs = article(staff, fill(en.inbox.thread.messageBy, { name: PATIENT }));
  expect(await theirs.textContent()).toContain(body);
  // Nothing made from the patient's text: no image, no link anywhere on the page.
  expect(await main(staff).locator('img').count()).toBe(0);
  expect(await theirs.locator('a').count()).toBe(0);
  expect(await staff.locator(`a[href*="evil.example"]`).count()).toBe(0);
  expect(
    await main(staff)
      .getByRole('link', { name: /evil\.example|^here$/ })
      .count(),
  ).toBe(0);
  expect(dialogs).toEqual([]);
  expect(patient.problems).toEqual([]);
  expect(nurse.problems).toEqual([]);
});

// Reads the thread the first test made (it holds the nurse's reply).
test('the patient pages in Spanish on a small phone', { timeout: 180_000 }, async () => {
  const tm = es.messages;
  const { page, problems } = await open({ width: 360 });
  await signInAsPatient(page);
  await chooseLanguage(page, 'es');

  await messagesLink(page, es).click();
  await onPage(page, tm.title);
  const item = main(page).getByRole('listitem').filter({ hasText: SUBJECT });
  expect(await item.textContent()).toContain(
    fill(tm.list.withClinic, { clinic: CLINIC, pool: MEDICAL?.name_es ?? '' }),
  );
  expect(await noSideScroll(page)).toBe(true);

  await item.getByRole('link', { name: SUBJECT, exact: true }).click();
  await onPage(page, SUBJECT);
  expect(await main(page).textContent()).toContain(tm.thread.messages);
  expect(await main(page).textContent()).toContain(fill(tm.thread.from, { name: NURSE }));
  expect(await page.getByLabel(tm.reply.label, { exact: true }).count()).toBe(1);
  expect(await noSideScroll(page)).toBe(true);
  expect(new URL(page.url()).pathname).toBe(`/messages/${threadId}`);

  await page.getByRole('link', { name: tm.thread.back, exact: true }).first().click();
  await onPage(page, tm.title);
  await main(page).getByRole('link', { name: tm.list.new, exact: true }).click();
  await onPage(page, tm.new.title);
  await page
    .getByRole('group', { name: tm.new.topic })
    .getByRole('radio', { name: MEDICAL?.name_es, exact: true })
    .check();
  await expect
    .poll(() => main(page).locator('.message-promise').textContent())
    .toContain(fill(tm.responseTime.reply_other, { count: MEDICAL?.target_business_days ?? 0 }));
  // A missing subject and text are named in Spanish, at the top and at each field.
  await page.getByRole('button', { name: tm.new.send, exact: true }).click();
  await page.locator('.error-summary').getByRole('link', { name: tm.new.missingSubject }).waitFor();
  expect(await noSideScroll(page)).toBe(true);
  await expectAccessible(page);
  expect(problems).toEqual([]);
});
