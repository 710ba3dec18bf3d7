import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSession } from '../auth/session.ts';
import { Notice } from '../forms/Notice.tsx';
import { SelectField } from '../forms/SelectField.tsx';
import { useClinics } from '../public/clinics.ts';
import { getJson } from '../query.ts';
import { LoadFailed } from '../shell/LoadFailed.tsx';
import { Loading } from '../shell/Loading.tsx';
import { usePageTitle } from '../shell/usePageTitle.ts';
import { VisitTypeForm } from './VisitTypeForm.tsx';
import { type ClinicVisitTypes, duration, keptClinics, type VisitType } from './visitTypes.ts';
import './visitTypes.css';

// A clinic's visit types and the rules for booking them online, each said in
// plain words, with a form to change one or add another. Group-wide admins
// pick the clinic first.
export function VisitTypesPage() {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage === 'es' ? 'es' : 'en';
  usePageTitle(t('visitRules.title'));
  const client = useQueryClient();
  const session = useSession();
  const clinics = useClinics();
  const mine = keptClinics(session.data?.roles ?? [], clinics.data ?? []);
  const [chosen, setChosen] = useState('');
  const clinicId = chosen || mine[0]?.id || '';
  const [editing, setEditing] = useState<VisitType | 'new' | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  // Where focus goes when the form closes: the saved notice, or the list after a cancel.
  const savedBox = useRef<HTMLDivElement>(null);
  const listHeading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (saved) savedBox.current?.focus();
  }, [saved]);
  const list = useQuery({
    queryKey: ['visit-types', clinicId],
    queryFn: getJson<ClinicVisitTypes>(`/api/admin/scheduling/visit-types?clinicId=${clinicId}`),
    enabled: clinicId !== '',
  });

  const done = async (visitType: VisitType, message: 'saved' | 'created') => {
    setEditing(null);
    setSaved(t(`visitRules.${message}`, { name: visitType.name[lang] }));
    await client.invalidateQueries({ queryKey: ['visit-types', clinicId] });
  };

  const data = list.data;
  return (
    <>
      <h1>{t('visitRules.title')}</h1>
      <p>{t('visitRules.intro')}</p>
      {mine.length > 1 && (
        <form className="form" noValidate onSubmit={(e) => e.preventDefault()}>
          <SelectField
            id="visit-types-clinic"
            label={t('visitRules.clinic')}
            value={clinicId}
            onValue={(id) => {
              setChosen(id);
              setEditing(null);
              setSaved(null);
            }}
            options={mine.map((c) => ({ value: c.id, label: c.name }))}
          />
        </form>
      )}
      <div ref={savedBox} tabIndex={-1}>
        {saved && <Notice kind="success">{saved}</Notice>}
      </div>
      {clinics.data && mine.length === 0 && <p>{t('visitRules.noClinics')}</p>}
      {(clinics.isPending || (clinicId !== '' && list.isPending)) && <Loading />}
      {list.isError && <LoadFailed error={list.error} retry={() => void list.refetch()} />}
      {data && editing !== null && (
        <VisitTypeForm
          key={editing === 'new' ? 'new' : editing.id}
          options={data}
          visitType={editing === 'new' ? null : editing}
          onSaved={(v) => void done(v, editing === 'new' ? 'created' : 'saved')}
          onCancel={() => {
            setEditing(null);
            listHeading.current?.focus();
          }}
        />
      )}
      {data && (
        <>
          <h2 ref={listHeading} tabIndex={-1}>
            {t('visitRules.listTitle', { clinic: data.clinic.name })}
          </h2>
          <p role="status" className="status">
            {t('visitRules.count', { count: data.visitTypes.length })}
          </p>
          {editing === null && (
            <div className="button-row">
              <button
                type="button"
                className="button"
                onClick={() => {
                  setSaved(null);
                  setEditing('new');
                }}
              >
                {t('visitRules.add')}
              </button>
            </div>
          )}
          <ul className="item-list">
            {data.visitTypes.map((v) => (
              <li key={v.id}>
                <VisitTypeCard
                  visitType={v}
                  options={data}
                  onEdit={() => {
                    setSaved(null);
                    setEditing(v);
                  }}
                />
              </li>
            ))}
          </ul>
        </>
      )}
    </>
  );
}

/** One visit type: its name, its rules in a line of plain words, and who offers it. */
function VisitTypeCard({
  visitType: v,
  options,
  onEdit,
}: {
  visitType: VisitType;
  options: ClinicVisitTypes;
  onEdit: () => void;
}) {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage === 'es' ? 'es' : 'en';
  const headingId = useId();
  const providers = options.providers.filter((p) => v.providerIds.includes(p.id));
  const lead = duration(v.minLeadMinutes);
  const days = t('visitRules.units.days', { count: v.maxDaysAhead });
  const rules = [
    t(`visitRules.summary.booking.${v.booking}`),
    t(`visitRules.summary.patients.${v.patients}`),
    t(`visitRules.summary.mode.${v.mode}`),
    v.minLeadMinutes === 0
      ? t('visitRules.summary.windowNow', { days })
      : t('visitRules.summary.window', {
          lead: t(`visitRules.units.${lead.unit}`, { count: lead.count }),
          days,
        }),
    v.changeCutoffHours === 0
      ? t('visitRules.summary.cutoffNone')
      : t('visitRules.summary.cutoff', {
          hours: t('visitRules.units.hours', { count: v.changeCutoffHours }),
        }),
    t('visitRules.summary.upcoming', { count: v.maxFutureBookings }),
  ];
  return (
    <article className="item visit-type" aria-labelledby={headingId}>
      <h3 id={headingId} className="visit-type__name">
        {v.name[lang]}
        {!v.active && (
          <>
            {' '}
            <span className="badge badge--none">{t('visitRules.inactive')}</span>
          </>
        )}
      </h3>
      <p className="visit-type__rules">{rules.join(' · ')}</p>
      <dl className="facts">
        <div>
          <dt>{t('visitRules.code')}</dt>
          <dd>
            <code>{v.code}</code>
          </dd>
        </div>
        <div>
          <dt>{t('visitRules.providers')}</dt>
          <dd>
            {providers.length > 0
              ? providers.map((p) => p.name).join(', ')
              : t('visitRules.noProviders')}
          </dd>
        </div>
      </dl>
      <div className="button-row">
        <button type="button" className="button button--secondary" onClick={onEdit}>
          {t('visitRules.edit')}
          <span className="visually-hidden"> {v.name[lang]}</span>
        </button>
      </div>
    </article>
  );
}
