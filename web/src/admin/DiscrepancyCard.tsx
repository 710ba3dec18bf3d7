import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { dateTime } from '../i18n/format.ts';
import { TableWrap } from '../shell/TableWrap.tsx';
import {
  actionsFor,
  type Discrepancy,
  fieldDiff,
  type ResolveAction,
  readable,
} from './ehrDesk.ts';

const KNOWN_FIELDS = [
  'givenName',
  'familyName',
  'birthDate',
  'status',
  'start',
  'end',
  'practitioner',
  'appointment',
  'slot',
] as const;
const isKnownField = (f: string): f is (typeof KNOWN_FIELDS)[number] =>
  (KNOWN_FIELDS as readonly string[]).includes(f);

/**
 * One discrepancy: what it is about, both versions side by side (a field
 * that differs is said in words, not only by colour), and what can be done.
 */
export function DiscrepancyCard({
  discrepancy: d,
  onResolve,
}: {
  discrepancy: Discrepancy;
  onResolve: (action: ResolveAction) => void;
}) {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  const headingId = useId();
  const rows = fieldDiff(d.portalVersion, d.ehrVersion);
  const who = d.patient?.name ?? t('discrepancies.noPatient');
  const fieldName = (f: string) => (isKnownField(f) ? t(`discrepancies.fields.${f}`) : f);
  const shown = (field: string, value: string) =>
    readable(field, value, lang, d.clinic.timeZone) || '—';
  const actions = actionsFor(d);
  return (
    <article className="item" aria-labelledby={headingId}>
      <h2 id={headingId} className="item__main">
        {t(`discrepancies.types.${d.type}`)}: {who}
      </h2>
      <dl className="facts">
        <div>
          <dt>{t('discrepancies.severity')}</dt>
          <dd>
            <span className={`badge badge--${d.severity === 'high' ? 'locked' : 'invited'}`}>
              {t(`discrepancies.severities.${d.severity}`)}
            </span>
          </dd>
        </div>
        <div>
          <dt>{t('discrepancies.clinic')}</dt>
          <dd>{d.clinic.name}</dd>
        </div>
        {d.patient && (
          <div>
            <dt>{t('discrepancies.patient')}</dt>
            <dd>
              <Link to={`/staff/patients/${d.patient.id}`}>{d.patient.name}</Link>
            </dd>
          </div>
        )}
        <div>
          <dt>{t('discrepancies.seen')}</dt>
          <dd>
            {t('discrepancies.seenRange', {
              first: dateTime(lang, d.firstSeen),
              last: dateTime(lang, d.lastSeen),
            })}
          </dd>
        </div>
        <div>
          <dt>{t('discrepancies.suggested')}</dt>
          <dd>{t(`discrepancies.suggestions.${d.suggestedAction}`)}</dd>
        </div>
        {d.resolution && (
          <div>
            <dt>{t('discrepancies.resolution')}</dt>
            <dd>
              {t(`discrepancies.resolutions.${d.resolution}`)}
              {d.resolvedBy && ` — ${d.resolvedBy}`}
              {d.resolvedAt && ` (${dateTime(lang, d.resolvedAt)})`}
              {d.pushStatus && (
                <span className="cell-note">
                  {t('discrepancies.pushStatus', { status: t(`outbox.statuses.${d.pushStatus}`) })}
                </span>
              )}
              {d.note && <span className="cell-note">{d.note}</span>}
            </dd>
          </div>
        )}
      </dl>
      <TableWrap label={t('discrepancies.versions', { name: who })}>
        <table className="table table--compact">
          <caption>{t('discrepancies.versions', { name: who })}</caption>
          <thead>
            <tr>
              <th scope="col">{t('discrepancies.field')}</th>
              <th scope="col">{t('discrepancies.portal')}</th>
              <th scope="col">{t('discrepancies.ehr')}</th>
              <th scope="col">{t('discrepancies.compare')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.field} className={r.differs ? 'row--failure' : undefined}>
                <th scope="row">{fieldName(r.field)}</th>
                <td>{shown(r.field, r.portal)}</td>
                <td>{shown(r.field, r.ehr)}</td>
                <td>{r.differs ? t('discrepancies.differs') : t('discrepancies.same')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
      {actions.length > 0 && (
        <div className="button-row">
          {actions.map((action) => (
            <button
              key={action}
              type="button"
              className={action === d.suggestedAction ? 'button' : 'button button--secondary'}
              onClick={() => onResolve(action)}
            >
              {t(`discrepancies.actions.${action}`)}
              <span className="visually-hidden"> {who}</span>
            </button>
          ))}
        </div>
      )}
    </article>
  );
}
