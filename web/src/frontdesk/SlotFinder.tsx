import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Notice } from '../forms/Notice.tsx';
import { SelectField } from '../forms/SelectField.tsx';
import { TextField } from '../forms/TextField.tsx';
import { getJson } from '../query.ts';
import { LoadFailed } from '../shell/LoadFailed.tsx';
import { Pager } from '../shell/Pager.tsx';
import {
  type ClinicOptions,
  clinicDateTime,
  deskError,
  langOf,
  nextTimesOf,
  type Slot,
  type SlotPage,
} from './frontDesk.ts';

const TIMES = ['morning', 'afternoon', 'evening'] as const;

interface Search {
  clinicId: string;
  visitTypeId: string;
  providerId: string;
  from: string;
  to: string;
  timeOfDay: string;
  page: number;
}

export interface Choice {
  clinicId: string;
  visitTypeId: string;
  slot: Slot;
  mode?: 'in_person' | 'video';
}

/**
 * Finds open times for a patient (staff see those inside the online lead
 * time too) and confirms one. For a move the clinic and visit type are the
 * appointment's own. A time taken meanwhile is answered with the next ones.
 */
export function SlotFinder(props: {
  patientId: string;
  clinics: ClinicOptions[];
  /** For a move: the appointment's clinic and visit type, fixed. */
  fixed?: { clinicId: string; visitTypeId: string };
  confirmLabel: string;
  onConfirm: (choice: Choice) => Promise<void>;
}) {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  const first =
    props.clinics.find((c) => c.clinic.id === props.fixed?.clinicId) ?? props.clinics[0];
  const [values, setValues] = useState<Search>({
    clinicId: first?.clinic.id ?? '',
    visitTypeId: props.fixed?.visitTypeId ?? first?.visitTypes[0]?.id ?? '',
    providerId: '',
    from: '',
    to: '',
    timeOfDay: '',
    page: 1,
  });
  const [search, setSearch] = useState<Search | null>(null);
  const [chosen, setChosen] = useState<Slot | null>(null);
  const [mode, setMode] = useState<'in_person' | 'video'>('in_person');
  const [problem, setProblem] = useState<{ text: string; next: Slot[] } | null>(null);
  const [busy, setBusy] = useState(false);
  const confirmBox = useRef<HTMLDivElement>(null);
  const clinic = props.clinics.find((c) => c.clinic.id === values.clinicId);
  const visitType = clinic?.visitTypes.find((v) => v.id === values.visitTypeId);
  const query = search && slotQuery(search, props.patientId);
  const results = useQuery({
    queryKey: ['front-desk', 'slots', query],
    queryFn: getJson<SlotPage>(`/api/staff/scheduling/slots?${query}`),
    enabled: query !== null,
    placeholderData: keepPreviousData,
  });
  useEffect(() => {
    if (chosen) confirmBox.current?.focus();
  }, [chosen]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setChosen(null);
    setProblem(null);
    setSearch({ ...values, page: 1 });
  };
  const confirm = async () => {
    if (!chosen || busy) return;
    setBusy(true);
    try {
      await props.onConfirm({
        clinicId: values.clinicId,
        visitTypeId: values.visitTypeId,
        slot: chosen,
        ...(visitType?.mode === 'either' ? { mode } : {}),
      });
      setChosen(null);
      setSearch(null);
    } catch (error) {
      setProblem({ text: deskError(t, lang, error), next: nextTimesOf(error) });
      setChosen(null);
      void results.refetch();
    } finally {
      setBusy(false);
    }
  };

  const zone = results.data?.timeZone ?? clinic?.clinic.timeZone ?? 'UTC';
  const when = (slot: Slot) => clinicDateTime(lang, slot.startsAt, zone);
  const slots = problem?.next.length ? problem.next : (results.data?.slots ?? []);
  return (
    <>
      <form className="form form--grid" noValidate onSubmit={submit}>
        {!props.fixed && props.clinics.length > 1 && (
          <SelectField
            id="slots-clinic"
            label={t('frontDesk.clinic')}
            value={values.clinicId}
            onValue={(clinicId) => {
              const next = props.clinics.find((c) => c.clinic.id === clinicId);
              setValues({
                ...values,
                clinicId,
                visitTypeId: next?.visitTypes[0]?.id ?? '',
                providerId: '',
              });
            }}
            options={props.clinics.map((c) => ({ value: c.clinic.id, label: c.clinic.name }))}
          />
        )}
        {!props.fixed && (
          <SelectField
            id="slots-visit-type"
            label={t('frontDesk.book.visitType')}
            value={values.visitTypeId}
            onValue={(visitTypeId) => setValues({ ...values, visitTypeId, providerId: '' })}
            options={(clinic?.visitTypes ?? []).map((v) => ({
              value: v.id,
              label: v.name[langOf(lang)],
            }))}
          />
        )}
        <SelectField
          id="slots-provider"
          label={t('frontDesk.book.provider')}
          value={values.providerId}
          onValue={(providerId) => setValues({ ...values, providerId })}
          options={[
            { value: '', label: t('frontDesk.book.anyProvider') },
            ...(clinic?.providers ?? [])
              .filter((p) => visitType?.providerIds.includes(p.id) ?? true)
              .map((p) => ({ value: p.id, label: p.name })),
          ]}
        />
        <TextField
          id="slots-from"
          type="date"
          label={t('frontDesk.book.from')}
          value={values.from}
          onValue={(from) => setValues({ ...values, from })}
        />
        <TextField
          id="slots-to"
          type="date"
          label={t('frontDesk.book.to')}
          value={values.to}
          onValue={(to) => setValues({ ...values, to })}
        />
        <SelectField
          id="slots-time"
          label={t('frontDesk.book.timeOfDay')}
          value={values.timeOfDay}
          onValue={(timeOfDay) => setValues({ ...values, timeOfDay })}
          options={[
            { value: '', label: t('frontDesk.book.anyTime') },
            ...TIMES.map((time) => ({ value: time, label: t(`frontDesk.book.times.${time}`) })),
          ]}
        />
        <div className="button-row form__actions">
          <button type="submit" className="button">
            {t('frontDesk.book.find')}
          </button>
        </div>
      </form>
      {results.isError && <LoadFailed error={results.error} retry={() => void results.refetch()} />}
      {problem && (
        <Notice kind="error">
          <p>{problem.text}</p>
          {problem.next.length > 0 && <p>{t('frontDesk.book.nextTimes')}</p>}
        </Notice>
      )}
      <p role="status" className="status">
        {search &&
          results.data &&
          (slots.length === 0
            ? t('frontDesk.book.noTimes')
            : t('frontDesk.book.found', { count: slots.length }))}
      </p>
      {search && slots.length > 0 && (
        <section aria-labelledby="slots-title">
          <h3 id="slots-title">{t('frontDesk.book.results')}</h3>
          <ul className="item-list">
            {slots.map((slot) => (
              <li key={slot.id}>
                <button
                  type="button"
                  className="button button--secondary"
                  aria-pressed={chosen?.id === slot.id}
                  onClick={() => setChosen(slot)}
                >
                  {when(slot)} · {slot.providerName}
                </button>
              </li>
            ))}
          </ul>
          {!problem?.next.length && results.data && (
            <Pager
              label={t('frontDesk.book.pages')}
              page={results.data.page}
              pageCount={null}
              hasNext={results.data.hasMore}
              onPage={(page) => search && setSearch({ ...search, page })}
            />
          )}
        </section>
      )}
      {chosen && (
        <div ref={confirmBox} tabIndex={-1} className="card section">
          <p>{t('frontDesk.book.chosen', { when: when(chosen), provider: chosen.providerName })}</p>
          {visitType?.mode === 'either' && !props.fixed && (
            <SelectField
              id="slots-mode"
              label={t('frontDesk.book.mode')}
              value={mode}
              onValue={(m) => setMode(m as 'in_person' | 'video')}
              options={[
                { value: 'in_person', label: t('frontDesk.mode.in_person') },
                { value: 'video', label: t('frontDesk.mode.video') },
              ]}
            />
          )}
          <div className="button-row">
            <button
              type="button"
              className="button"
              aria-disabled={busy}
              onClick={() => void confirm()}
            >
              {props.confirmLabel}
            </button>
          </div>
        </div>
      )}
    </>
  );
}

function slotQuery(search: Search, patientId: string): string {
  const q = new URLSearchParams({
    clinicId: search.clinicId,
    visitTypeId: search.visitTypeId,
    patientId,
    page: String(search.page),
  });
  for (const key of ['providerId', 'from', 'to', 'timeOfDay'] as const)
    if (search[key]) q.set(key, search[key]);
  return q.toString();
}
