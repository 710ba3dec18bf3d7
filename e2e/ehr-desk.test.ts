// The discrepancy desk in the browser (issue 5): a test edits the demo EHR
// behind the portal's back, over plain FHIR HTTP; the reconcile run finds the
// differences; the clinic admin sees both versions, takes the EHR's version
// for one patient and sends the portal's to the EHR for another; both sides
// then agree (a second reconcile finds nothing), and the compliance officer
// finds the changes in the audit trail. Axe on every page.
import type { Patient } from '@medplum/fhirtypes';
import type { Locator, Page } from 'playwright-core';
import { expect, test } from 'vitest';
import { expectAccessible } from './browser.ts';
import { onPage, openPage, signInAsDemoStaff, texts } from './identity.ts';
import { setUpBrowserAndPortal } from './setup.ts';

const t = texts.en;
const e2e = setUpBrowserAndPortal();

// ---- The EHR, as any FHIR client reaches it ----------------------------------

const FHIR_JSON = 'application/fhir+json';

async function fhir<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(`${await e2e.portal.demoEhrUrl()}/${path}`, {
    ...init,
    headers: { accept: FHIR_JSON, ...init.headers },
  });
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${response.status}`);
  return (await response.json()) as T;
}

/** The demo EHR's Patient with this Riverside MRN. */
async function patientByMrn(mrn: string): Promise<Patient & { id: string }> {
  const bundle = await fhir<{ entry?: { resource: Patient & { id: string } }[] }>(
    `Patient?identifier=${encodeURIComponent(`urn:patient-portal:mrn:riverside|${mrn}`)}`,
  );
  const [only, ...more] = bundle.entry ?? [];
  if (!only || more.length > 0) throw new Error(`not one EHR Patient with MRN ${mrn}`);
  return only.resource;
}

const officialName = (p: Patient) => p.name?.find((n) => n.use === 'official') ?? p.name?.[0];

/** Changes the official name in the EHR (read, change, PUT back with If-Match). */
async function renameInEhr(mrn: string, change: { given?: string; family?: string }) {
  const patient = await patientByMrn(mrn);
  const name = officialName(patient);
  if (!name) throw new Error(`Patient/${patient.id} has no name`);
  if (change.given) name.given = [change.given];
  if (change.family) name.family = change.family;
  await fhir(`Patient/${patient.id}`, {
    method: 'PUT',
    headers: {
      'content-type': FHIR_JSON,
      'if-match': `W/"${patient.meta?.versionId ?? ''}"`,
    },
    body: JSON.stringify(patient),
  });
  return patient.id;
}

// ---- The desk ------------------------------------------------------------------

/** One discrepancy on the page, by its heading ("<type>: <patient>"). */
const card = (page: Page, patient: string) =>
  page.getByRole('article', {
    name: `${t.discrepancies.types.demographics_changed}: ${patient}`,
    exact: true,
  });

/** The cells of the versions table's row for a field: portal, EHR, same or not. */
const versions = (article: Locator, field: string) =>
  article
    .getByRole('row')
    .filter({ has: article.page().getByRole('rowheader', { name: field, exact: true }) })
    .getByRole('cell')
    .allTextContents();

async function showStatus(page: Page, status: 'open' | 'resolved') {
  await page.getByLabel(t.discrepancies.status).selectOption(status);
  await page.getByRole('button', { name: t.discrepancies.show, exact: true }).click();
}

const ADMIN = 'Maren Holt'; // the demo clinic_admin, at Riverside
// Two demo EHR patients registered at Riverside only: Luigi Wiegand, Margarita Montalvo.
const LUIGI_MRN = 'RFM-100205';
const MARGARITA_MRN = 'RFM-100203';

test("EHR edits behind the portal's back reach the desk; resolving updates both sides, audited", {
  timeout: 240_000,
}, async () => {
  // Behind the portal's back: Luigi's family name and Margarita's given name change in the EHR.
  await renameInEhr(LUIGI_MRN, { family: 'Wiegand-Ortiz' });
  const margaritaEhrId = await renameInEhr(MARGARITA_MRN, { given: 'Marga' });
  expect(await e2e.portal.command(['ehr', 'reconcile'])).toMatch(
    /Reconciled \d+ record\(s\): 2 discrepancy\(ies\), 2 new, 0 cleared, 0 could not be compared\./,
  );

  // The clinic admin opens the desk.
  const { page, problems } = await openPage(e2e.browser, e2e.portal.url, e2e.contexts);
  await signInAsDemoStaff(page, t, e2e.portal.url, 'clinic_admin');
  await onPage(page, t.staffSearch.title);
  const nav = page.getByRole('navigation', { name: t.nav.label });
  await nav.getByRole('link', { name: t.nav.discrepancies, exact: true }).click();
  await onPage(page, t.discrepancies.title);
  await expect
    .poll(() => page.getByRole('status').filter({ hasText: /\d/ }).textContent())
    .toBe(t.discrepancies.found_other.replace('{{count}}', '2'));

  // Both versions, field by field; the differing one said in words.
  const luigi = card(page, 'Luigi Wiegand');
  expect(await versions(luigi, t.discrepancies.fields.familyName)).toEqual([
    'Wiegand',
    'Wiegand-Ortiz',
    t.discrepancies.differs,
  ]);
  expect(await versions(luigi, t.discrepancies.fields.givenName)).toEqual([
    'Luigi',
    'Luigi',
    t.discrepancies.same,
  ]);
  const margarita = card(page, 'Margarita Montalvo');
  expect(await versions(margarita, t.discrepancies.fields.givenName)).toEqual([
    'Margarita',
    'Marga',
    t.discrepancies.differs,
  ]);
  expect(await margarita.textContent()).toContain(t.discrepancies.suggestions.take_ehr);

  // Luigi: the EHR is right; the portal takes its version.
  await luigi
    .getByRole('button', { name: `${t.discrepancies.actions.take_ehr} Luigi Wiegand` })
    .click();
  await page.getByText(t.discrepancies.done.take_ehr).waitFor();
  await expect.poll(() => luigi.count()).toBe(0);
  await expectAccessible(page);

  // Margarita: the portal is right; its version goes to the EHR (through the outbox).
  await margarita
    .getByRole('button', { name: `${t.discrepancies.actions.push_portal} Margarita Montalvo` })
    .click();
  await page.getByText(t.discrepancies.done.push_portal).waitFor();
  await expect.poll(() => margarita.count()).toBe(0);
  await expect
    .poll(async () => officialName(await fhir<Patient>(`Patient/${margaritaEhrId}`))?.given, {
      timeout: 30_000,
      interval: 500,
    })
    .toEqual(['Margarita']);

  // Settled: who chose what, and the push confirmed by the EHR.
  await showStatus(page, 'resolved');
  const luigiNow = card(page, 'Luigi Wiegand-Ortiz');
  await luigiNow.waitFor();
  expect(await luigiNow.textContent()).toContain(
    `${t.discrepancies.resolutions.take_ehr} — ${ADMIN}`,
  );
  const pushed = t.discrepancies.pushStatus.replace('{{status}}', t.outbox.statuses.confirmed);
  await expect
    .poll(
      async () => {
        await page.reload(); // the list is cached for minutes: load it afresh
        await showStatus(page, 'resolved');
        return card(page, 'Margarita Montalvo').textContent();
      },
      { timeout: 15_000, interval: 1_000 },
    )
    .toContain(pushed);
  expect(await card(page, 'Margarita Montalvo').textContent()).toContain(
    `${t.discrepancies.resolutions.push_portal} — ${ADMIN}`,
  );
  expect(await luigiNow.getByRole('button').count()).toBe(0); // nothing left to do
  await expectAccessible(page);

  // The portal's record of Luigi now has the EHR's name.
  await luigiNow.getByRole('link', { name: 'Luigi Wiegand-Ortiz' }).click();
  await onPage(page, 'Wiegand-Ortiz, Luigi');
  const luigiId = new URL(page.url()).pathname.split('/').pop() as string;
  expect(luigiId).toMatch(/^[0-9a-f-]{36}$/);

  // The compliance officer finds both changes to Luigi's record, made by the admin.
  const officer = await openPage(e2e.browser, e2e.portal.url, e2e.contexts);
  await signInAsDemoStaff(officer.page, t, e2e.portal.url, 'compliance_officer');
  await onPage(officer.page, t.audit.title);
  await officer.page.getByLabel(t.audit.patientId).fill(luigiId);
  await officer.page.getByLabel(t.audit.action).selectOption('update');
  await officer.page.getByRole('button', { name: t.audit.search, exact: true }).click();
  const rows = officer.page.locator('table tbody tr');
  const column = (n: number) => rows.locator(`td:nth-child(${n})`).allTextContents();
  await expect.poll(async () => (await column(4)).sort()).toEqual(['Discrepancy', 'Patient']);
  expect(await column(3)).toEqual([t.audit.actions.update, t.audit.actions.update]);
  expect(await column(2)).toEqual([expect.stringContaining(ADMIN), expect.stringContaining(ADMIN)]);
  await expectAccessible(officer.page);
  expect(officer.problems).toEqual([]);

  // Both sides agree now: the next reconcile finds nothing, and the desk is empty.
  expect(await e2e.portal.command(['ehr', 'reconcile'])).toMatch(
    /Reconciled \d+ record\(s\): 0 discrepancy\(ies\), 0 new, 0 cleared, 0 could not be compared\./,
  );
  // The admin's session outlived the restart.
  await page.goto(`${e2e.portal.url}/admin/discrepancies`);
  await onPage(page, t.discrepancies.title);
  await expect
    .poll(() => page.getByRole('status').filter({ hasText: /\d/ }).textContent())
    .toBe(t.discrepancies.found_other.replace('{{count}}', '0'));
  expect(problems).toEqual([]);
});
