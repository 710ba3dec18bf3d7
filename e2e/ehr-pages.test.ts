// The EHR pages staff use day to day, by keyboard-free clicks but with axe on
// every view: finding a patient in the clinic's record system from the
// patient search, and the outbox of changes waiting for the EHR, in English
// and Spanish.
import { expect, test } from 'vitest';
import { expectAccessible } from './browser.ts';
import { chooseLanguage, onPage, openPage, signInAsDemoStaff, texts } from './identity.ts';
import { setUpBrowserAndPortal } from './setup.ts';

const e2e = setUpBrowserAndPortal();

test('a clinic admin finds a patient in the record system and opens the EHR outbox', {
  timeout: 120_000,
}, async () => {
  const t = texts.en;
  const { page, problems } = await openPage(e2e.browser, e2e.portal.url, e2e.contexts);
  await signInAsDemoStaff(page, t, e2e.portal.url, 'clinic_admin');
  await onPage(page, t.staffSearch.title);
  await expectAccessible(page);

  // Riverside's record number of a demo patient: the record system answers with them.
  const find = page.getByRole('region', { name: t.ehrFind.title });
  await find.getByLabel(t.ehrFind.mrn).fill('RFM-100201');
  await find.getByRole('button', { name: t.ehrFind.submit }).click();
  const results = find.getByRole('table');
  await results.getByRole('row').filter({ hasText: 'Tillman' }).waitFor();
  await expectAccessible(page);

  await page.getByRole('link', { name: t.nav.outbox }).click();
  await onPage(page, t.outbox.title);
  await expectAccessible(page);

  await chooseLanguage(page, 'es');
  await onPage(page, texts.es.outbox.title);
  await expectAccessible(page);
  expect(problems).toEqual([]);
});
