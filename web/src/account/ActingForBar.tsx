import { useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { api } from '../api.ts';
import { sessionKey, useRefreshSession } from '../auth/session.ts';
import { errorMessage } from '../forms/messages.ts';
import { Notice } from '../forms/Notice.tsx';
import { forgetAll } from '../memory.ts';
import {
  currentRecord,
  type Dependents,
  dependentsKey,
  fullName,
  useDependents,
} from './dependents.ts';

// A caregiver sees, on every page, whose record is open, and can switch
// between their own and each dependent's. Switching is a privilege change on
// the server (new session token, audited); everything cached about the
// previous record is dropped.
export function ActingForBar() {
  const { t } = useTranslation();
  const dependents = useDependents(true);
  const data = dependents.data;
  if (!data || data.dependents.length === 0) return null;
  const current = currentRecord(data);
  return (
    <section className="acting-for" aria-label={t('actingFor.label')}>
      <div className="container acting-for__inner">
        <p className="acting-for__current">
          {current ? (
            <>
              {t('actingFor.viewing')} <strong>{fullName(current.name)}</strong>
              {data.actingForPatientId && <> ({t('actingFor.notYours')})</>}
            </>
          ) : (
            t('actingFor.none')
          )}
        </p>
        <Switcher data={data} />
      </div>
    </section>
  );
}

function Switcher({ data }: { data: Dependents }) {
  const { t, i18n } = useTranslation();
  const client = useQueryClient();
  const refresh = useRefreshSession();
  const navigate = useNavigate();
  const selfValue = data.self ? 'self' : '';
  const [choice, setChoice] = useState(data.actingForPatientId ?? selfValue);
  const [problem, setProblem] = useState<string | null>(null);
  const options = [
    ...(data.self
      ? [{ value: 'self', label: t('actingFor.own', { name: fullName(data.self.name) }) }]
      : []),
    ...data.dependents.map((d) => ({
      value: d.patientId,
      label: t('actingFor.dependent', {
        name: fullName(d.name),
        relationship: t(`relationships.${d.relationship}`),
      }),
    })),
  ];

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    try {
      const patientId = choice === 'self' || choice === '' ? null : choice;
      await api('/api/session/acting-for', { method: 'POST', json: { patientId } });
      // Records of the previous patient must not show under the new name.
      client.removeQueries({
        predicate: (q) => q.queryKey[0] !== sessionKey[0] && q.queryKey[0] !== dependentsKey[0],
      });
      forgetAll();
      await Promise.all([refresh(), client.invalidateQueries({ queryKey: dependentsKey })]);
      await navigate('/home');
    } catch (error) {
      setProblem(errorMessage(t, i18n.resolvedLanguage ?? 'en', error));
    }
  };

  return (
    <form className="acting-for__form" onSubmit={submit}>
      <label htmlFor="acting-for-choice">{t('actingFor.switchLabel')}</label>
      <select id="acting-for-choice" value={choice} onChange={(e) => setChoice(e.target.value)}>
        {!data.self && <option value="">{t('actingFor.choose')}</option>}
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      <button type="submit" className="button button--secondary">
        {t('actingFor.switch')}
      </button>
      {problem && <Notice kind="error">{problem}</Notice>}
    </form>
  );
}
