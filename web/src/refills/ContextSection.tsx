import { useTranslation } from 'react-i18next';
import { Facts } from '../appointments/Facts.tsx';
import { calendarDate, dateTime } from '../i18n/format.ts';
import { TableWrap } from '../shell/TableWrap.tsx';
import type { RefillContext } from './types.ts';

type Visit = RefillContext['lastVisit'];
type Lab = RefillContext['labs'][number];

/** "2026-03-30" as a date; FHIR's partial dates ("2021", "2021-03") and times as written. */
const fhirDate = (lang: string, value: string | null) =>
  value && /^\d{4}-\d{2}-\d{2}$/.test(value)
    ? calendarDate(lang, value)
    : value && value.length > 10
      ? dateTime(lang, value)
      : (value ?? '—');

const labValue = (lab: Lab) =>
  [lab.value?.text, lab.interpretation && `(${lab.interpretation})`].filter(Boolean).join(' ') ||
  '—';

/** What the reviewer weighs beside the request: history, allergies, latest labs, visits. */
export function ContextSection({ context: c }: { context: RefillContext }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  const visit = (v: Visit) =>
    v
      ? t('refills.staff.review.visit', {
          when: dateTime(lang, v.startsAt),
          type: v.visitTypeName,
          provider: v.providerName,
        })
      : t('refills.staff.review.noVisit');
  return (
    <section aria-labelledby="refill-context">
      <h2 id="refill-context">{t('refills.staff.review.context')}</h2>
      <h3>{t('refills.staff.review.visits')}</h3>
      <Facts
        rows={[
          [t('refills.staff.review.lastVisit'), visit(c.lastVisit)],
          [t('refills.staff.review.nextVisit'), visit(c.nextVisit)],
        ]}
      />
      <h3>{t('refills.staff.review.allergies')}</h3>
      {c.allergies.length === 0 ? (
        <p>{t('refills.staff.review.noAllergies')}</p>
      ) : (
        <ul>
          {c.allergies.map((a) => (
            <li key={a.id}>
              <strong>{a.substance}</strong>
              {a.criticality && ` (${a.criticality})`}
              {a.reactions.length > 0 &&
                `: ${a.reactions.flatMap((r) => r.manifestations).join(', ')}`}
            </li>
          ))}
        </ul>
      )}
      <h3>{t('refills.staff.review.medications')}</h3>
      {c.medications.length === 0 ? (
        <p>{t('refills.staff.review.noMedications')}</p>
      ) : (
        <TableWrap label={t('refills.staff.review.medications')}>
          <table className="table table--compact">
            <thead>
              <tr>
                <th scope="col">{t('refills.facts.medication')}</th>
                <th scope="col">{t('refills.facts.status')}</th>
                <th scope="col">{t('refills.facts.instructions')}</th>
                <th scope="col">{t('refills.facts.prescriber')}</th>
                <th scope="col">{t('refills.facts.lastFilled')}</th>
                <th scope="col">{t('refills.facts.refillsLeft')}</th>
              </tr>
            </thead>
            <tbody>
              {c.medications.map((m) => (
                <tr key={m.id}>
                  <th scope="row">{m.name}</th>
                  <td>{m.status}</td>
                  <td>{m.instructions.join(' ') || '—'}</td>
                  <td>{m.prescriber ?? '—'}</td>
                  <td>{m.lastFilledOn ? calendarDate(lang, m.lastFilledOn) : '—'}</td>
                  <td>{m.refillsRemaining ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      <h3>{t('refills.staff.review.labs')}</h3>
      {c.labs.length === 0 ? (
        <p>{t('refills.staff.review.noLabs')}</p>
      ) : (
        <TableWrap label={t('refills.staff.review.labs')}>
          <table className="table table--compact">
            <thead>
              <tr>
                <th scope="col">{t('refills.staff.review.labs')}</th>
                <th scope="col">{t('refills.staff.review.value')}</th>
                <th scope="col">{t('refills.staff.review.takenOn')}</th>
              </tr>
            </thead>
            <tbody>
              {c.labs.map((lab) => (
                <tr key={lab.id}>
                  <th scope="row">{lab.name}</th>
                  <td>{labValue(lab)}</td>
                  <td>{fhirDate(lang, lab.takenAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </section>
  );
}
