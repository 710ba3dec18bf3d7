// Helpers for the scheduling browser tests: free times put into the demo EHR
// the way a scheduler there would (a Slot on a clinician's Schedule at any
// instant, whatever the clinic's opening hours; the portal sees it when a
// search reads that window from the EHR again), the demo patient's sign-in,
// and the dev mailbox as the demo system administrator reads it.
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { DEMO_PASSWORD, demoEmail, fillSignIn, onPage, texts } from './identity.ts';
import type { PortalServer } from './server.ts';

const MINUTE = 60_000;

export interface ClinicClock {
  /** The clinic's calendar day, YYYY-MM-DD. */
  date: string;
  /** Hour and minute on a 12-hour clock, "2:07", as the pages show it before AM/PM. */
  clock: string;
  /** Hour of the day, 0–23. */
  hour: number;
}

/** An instant as the clinic's wall clock reads it. */
export function clinicClock(at: Date, timeZone: string): ClinicClock {
  const read = (hourCycle: 'h12' | 'h23') => {
    const parts = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: 'numeric',
      minute: '2-digit',
      hourCycle,
    }).formatToParts(at);
    return (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  };
  const h12 = read('h12');
  return {
    date: `${h12('year')}-${h12('month')}-${h12('day')}`,
    clock: `${h12('hour')}:${h12('minute')}`,
    hour: Number(read('h23')('hour')),
  };
}

/**
 * A whole minute at least `aheadMs` from now and off the demo's 10-minute
 * grid, so the page shows the time apart from the generated ones.
 */
export function offGridStart(aheadMs: number): Date {
  let start = Math.ceil((Date.now() + aheadMs) / MINUTE) * MINUTE;
  if (new Date(start).getUTCMinutes() % 10 === 0) start += MINUTE;
  return new Date(start);
}

/** Adds a free slot to a demo Schedule (e.g. "schedule-riverside-1", Dr. Elias Brandt). */
export async function addDemoSlot(
  portal: PortalServer,
  slot: { schedule: string; start: Date; minutes?: number },
): Promise<void> {
  const response = await fetch(`${await portal.demoEhrUrl()}/Slot`, {
    method: 'POST',
    headers: { 'content-type': 'application/fhir+json', accept: 'application/fhir+json' },
    body: JSON.stringify({
      resourceType: 'Slot',
      schedule: { reference: `Schedule/${slot.schedule}` },
      status: 'free',
      start: slot.start.toISOString(),
      end: new Date(slot.start.getTime() + (slot.minutes ?? 20) * MINUTE).toISOString(),
    }),
  });
  if (!response.ok) throw new Error(`POST Slot: ${response.status}`);
}

/** The demo patient: password, then "Not now" to the second-factor offer; ends on `then`'s page. */
export async function signInPatient(page: Page, then: string): Promise<void> {
  const en = texts.en;
  await fillSignIn(page, en, demoEmail('patient'), DEMO_PASSWORD);
  await onPage(page, en.offer.title);
  await page.getByRole('button', { name: en.offer.notNow }).click();
  await onPage(page, then);
}

export interface Mail {
  to: string;
  subject: string;
  body: string | null;
  attachments: string[];
}

/** The dev mailbox, newest first, read with the signed-in system administrator's session. */
export async function mailbox(admin: Page, origin: string): Promise<Mail[]> {
  const response = await admin.request.get(`${origin}/api/dev/mailbox`);
  expect(response.status()).toBe(200);
  return ((await response.json()) as { messages: Mail[] }).messages;
}
