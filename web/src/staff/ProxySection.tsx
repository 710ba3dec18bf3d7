import { useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { ErrorSummary } from '../forms/ErrorSummary.tsx';
import { errorMessage } from '../forms/messages.ts';
import { Notice } from '../forms/Notice.tsx';
import { missingFields } from '../forms/problems.ts';
import { SelectField } from '../forms/SelectField.tsx';
import { TextField } from '../forms/TextField.tsx';
import { useProblems } from '../forms/useProblems.ts';
import { dateTime } from '../i18n/format.ts';
import { TableWrap } from '../shell/TableWrap.tsx';
import { type PatientRecord, RELATIONSHIPS, startOfDayUtc } from './patients.ts';

const idFor = (field: string) => `proxy-${field}`;
const EMPTY = { proxyEmail: '', relationship: 'parent', expiresAt: '' };

// Caregivers (proxies) who may act for this patient, until a date.
export function ProxySection({ record, canGrant }: { record: PatientRecord; canGrant: boolean }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  const client = useQueryClient();
  const form = useProblems(['proxyEmail', 'relationship', 'expiresAt'], {
    no_account: 'proxyEmail',
    own_record: 'proxyEmail',
    already_granted: 'proxyEmail',
    invalid_expiry: 'expiresAt',
  });
  const [values, setValues] = useState(EMPTY);
  const [message, setMessage] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);
  const set = (field: keyof typeof values) => (value: string) =>
    setValues((v) => ({ ...v, [field]: value }));
  const base = `/api/staff/patients/${record.patient.id}/proxies`;
  const refresh = () =>
    client.invalidateQueries({ queryKey: ['staff-patient', record.patient.id] });

  const grant = async (event: FormEvent) => {
    event.preventDefault();
    setMessage(null);
    const problems = missingFields(values, {
      proxyEmail: t('proxies.emailMissing'),
      expiresAt: t('proxies.expiryMissing'),
    });
    const expiresAt = startOfDayUtc(values.expiresAt);
    if (values.expiresAt && !expiresAt)
      problems.push({ field: 'expiresAt', message: t('forms.invalidFormat') });
    form.setProblems(problems);
    if (problems.length > 0 || !expiresAt) return;
    try {
      await api(base, {
        method: 'POST',
        json: {
          proxyEmail: values.proxyEmail.trim(),
          relationship: values.relationship,
          expiresAt,
        },
      });
      setValues(EMPTY);
      setMessage({ kind: 'success', text: t('proxies.granted') });
      await refresh();
    } catch (error) {
      form.fromError(error);
    }
  };

  const revoke = async (grantId: string, name: string) => {
    setMessage(null);
    try {
      await api(`${base}/${grantId}`, { method: 'DELETE' });
      setMessage({ kind: 'success', text: t('proxies.revoked', { name }) });
      await refresh();
    } catch (error) {
      setMessage({ kind: 'error', text: errorMessage(t, lang, error) });
    }
  };

  return (
    <section className="card section" aria-labelledby="proxies-title">
      <h2 id="proxies-title">{t('proxies.title')}</h2>
      {message && <Notice kind={message.kind}>{message.text}</Notice>}
      {record.proxies.length === 0 ? (
        <p>{t('proxies.none')}</p>
      ) : (
        <TableWrap label={t('proxies.caption')}>
          <table className="table">
            <caption className="visually-hidden">{t('proxies.caption')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('proxies.name')}</th>
                <th scope="col">{t('proxies.relationship')}</th>
                <th scope="col">{t('proxies.until')}</th>
                <th scope="col">{t('proxies.status')}</th>
                {canGrant && (
                  <th scope="col">
                    <span className="visually-hidden">{t('proxies.action')}</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {record.proxies.map((g) => (
                <tr key={g.id}>
                  <th scope="row">
                    {g.proxyName}
                    <span className="cell-note">{g.proxyEmail}</span>
                  </th>
                  <td>{t(`relationships.${g.relationship}`)}</td>
                  <td>{dateTime(lang, g.expiresAt)}</td>
                  <td>{g.active ? t('proxies.active') : t('proxies.expired')}</td>
                  {canGrant && (
                    <td>
                      {g.active && (
                        <button
                          type="button"
                          className="button button--secondary"
                          onClick={() => void revoke(g.id, g.proxyName)}
                        >
                          {t('proxies.revoke')}
                          <span className="visually-hidden"> {g.proxyName}</span>
                        </button>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      {canGrant && (
        <>
          <h3>{t('proxies.addHeading')}</h3>
          <p>{t('proxies.addIntro')}</p>
          <ErrorSummary problems={form.problems} idFor={idFor} />
          <form className="form" noValidate onSubmit={grant}>
            <TextField
              id={idFor('proxyEmail')}
              label={t('proxies.email')}
              type="email"
              autoComplete="off"
              spellCheck={false}
              value={values.proxyEmail}
              onValue={set('proxyEmail')}
              error={form.errorFor('proxyEmail')}
            />
            <SelectField
              id={idFor('relationship')}
              label={t('proxies.relationship')}
              value={values.relationship}
              onValue={set('relationship')}
              options={RELATIONSHIPS.map((r) => ({ value: r, label: t(`relationships.${r}`) }))}
              error={form.errorFor('relationship')}
            />
            <TextField
              id={idFor('expiresAt')}
              label={t('proxies.expiresAt')}
              hint={t('proxies.expiresHint')}
              type="date"
              value={values.expiresAt}
              onValue={set('expiresAt')}
              error={form.errorFor('expiresAt')}
            />
            <button type="submit" className="button">
              {t('proxies.grant')}
            </button>
          </form>
        </>
      )}
    </section>
  );
}
