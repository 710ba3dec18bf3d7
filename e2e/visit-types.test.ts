// Visit types in the browser: the demo clinic admin (password and TOTP)
// opens Visit types from the navigation, sees each visit type's rules in
// plain words, changes the office visit's cut-off for changes and takes one
// provider off it, sees the change saved (and still there after a reload),
// then reads the page in Spanish and on a phone-sized screen. Axe on every
// view.
import type { Locator, Page } from 'playwright-core';
import { expect, test } from 'vitest';
import { demoVisitTypes } from '../src/modules/scheduling/demo.ts';
import { expectAccessible } from './browser.ts';
import { chooseLanguage, onPage, openPage, signInAsDemoStaff, texts } from './identity.ts';
import { setUpBrowserAndPortal } from './setup.ts';

const t = texts.en;
const es = texts.es;
const e2e = setUpBrowserAndPortal();

const office = demoVisitTypes.find((v) => v.code === 'office-visit') as {
  name_en: string;
  name_es: string;
  change_cutoff_hours: number;
};

/** A visit type's card, by its heading. */
const card = (page: Page, name: string) => page.getByRole('article', { name, exact: true });

/** The providers a card names, as listed under "Providers". */
const providersOf = async (article: Locator) =>
  (await article.locator('dd').nth(1).textContent())?.split(', ') ?? [];

const sideScroll = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);

test('the clinic admin changes the office visit’s cut-off and providers; it stays saved', {
  timeout: 180_000,
}, async () => {
  const { page, problems } = await openPage(e2e.browser, e2e.portal.url, e2e.contexts);
  await signInAsDemoStaff(page, t, e2e.portal.url, 'clinic_admin');
  await onPage(page, t.staffSearch.title);
  const nav = page.getByRole('navigation', { name: t.nav.label });
  await nav.getByRole('link', { name: t.nav.visitTypes, exact: true }).click();
  await onPage(page, t.visitRules.title);

  // The clinic's providers come from the demo EHR's schedules shortly after start.
  const visit = card(page, office.name_en);
  await expect
    .poll(
      async () => {
        await page.reload();
        await visit.waitFor();
        return (await providersOf(visit)).length;
      },
      { timeout: 60_000, interval: 1_000 },
    )
    .toBeGreaterThan(1);
  const before = await providersOf(visit);
  const cutoff = (hours: number) =>
    t.visitRules.summary.cutoff.replace(
      '{{hours}}',
      t.visitRules.units.hours_other.replace('{{count}}', String(hours)),
    );
  expect(await visit.textContent()).toContain(cutoff(office.change_cutoff_hours));
  expect(await visit.textContent()).toContain(t.visitRules.summary.booking.online);

  // Edit: the form opens with its heading focused, every control labelled.
  await visit
    .getByRole('button', { name: `${t.visitRules.edit} ${office.name_en}`, exact: true })
    .click();
  const title = t.visitRules.form.editTitle.replace('{{name}}', office.name_en);
  const form = page.getByRole('region', { name: title });
  await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe(title);
  expect(
    await form.getByRole('radio', { name: t.visitRules.form.booking.online }).isChecked(),
  ).toBe(true);
  await expectAccessible(page);

  // A cut-off beyond the limit is refused next to the field, in words.
  const cutoffField = form.getByLabel(t.visitRules.form.changeCutoffHours, { exact: true });
  await cutoffField.fill('400');
  await form.getByRole('button', { name: t.visitRules.form.save, exact: true }).click();
  const range = t.visitRules.problems.range.replace('{{min}}', '0').replace('{{max}}', '336');
  await form.getByText(range).first().waitFor();
  await expectAccessible(page);

  // 48 hours, and the first provider no longer offers it.
  await cutoffField.fill('48');
  const dropped = before[0] as string;
  await form.getByRole('checkbox', { name: dropped, exact: true }).uncheck();
  await form.getByRole('button', { name: t.visitRules.form.save, exact: true }).click();
  await page
    .getByRole('status')
    .filter({ hasText: t.visitRules.saved.replace('{{name}}', office.name_en) })
    .waitFor();
  await expect.poll(() => visit.textContent()).toContain(cutoff(48));
  expect(await providersOf(visit)).toEqual(before.slice(1));
  await expectAccessible(page);

  // Saved: a reload shows the same.
  await page.reload();
  await onPage(page, t.visitRules.title);
  await expect.poll(() => card(page, office.name_en).textContent()).toContain(cutoff(48));
  expect(await providersOf(card(page, office.name_en))).toEqual(before.slice(1));

  // In Spanish, the rules read in Spanish; the form too.
  await chooseLanguage(page, 'es');
  await onPage(page, es.visitRules.title);
  const enEspanol = card(page, office.name_es);
  const hasta = es.visitRules.summary.cutoff.replace(
    '{{hours}}',
    es.visitRules.units.hours_other.replace('{{count}}', '48'),
  );
  await expect.poll(() => enEspanol.textContent()).toContain(hasta);
  await enEspanol
    .getByRole('button', { name: `${es.visitRules.edit} ${office.name_es}`, exact: true })
    .click();
  await page
    .getByRole('heading', {
      name: es.visitRules.form.editTitle.replace('{{name}}', office.name_es),
    })
    .waitFor();
  await expectAccessible(page);
  await page.getByRole('button', { name: es.visitRules.form.cancel, exact: true }).click();

  // On a phone: nothing runs off the side.
  await page.setViewportSize({ width: 360, height: 780 });
  await enEspanol.waitFor();
  expect(await sideScroll(page)).toBe(false);
  await expectAccessible(page);
  await chooseLanguage(page, 'en');
  expect(problems).toEqual([]);
});
