import type { FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorSummary } from '../forms/ErrorSummary.tsx';
import { SelectField } from '../forms/SelectField.tsx';
import { TextField } from '../forms/TextField.tsx';
import { useProblems } from '../forms/useProblems.ts';
import { CallClinic } from './CallClinic.tsx';
import {
  emptySearch,
  orderedVisitTypes,
  providersFor,
  rangeProblem,
  type Search,
  TIMES_OF_DAY,
  uiLanguage,
} from './search.ts';
import type { ClinicOptions, TimeOfDay } from './types.ts';
import { firstVisitTypeId, VisitTypeChoice } from './VisitTypeChoice.tsx';
import { addDays, todayIn } from './when.ts';

interface Props {
  clinics: ClinicOptions[];
  value: Search;
  onValue: (search: Search) => void;
  onSearch: (search: Search) => void;
  /** Moving an appointment: its clinic and visit type stay. */
  fixed: boolean;
}

const idFor = (field: string) => (field === 'visitTypeId' ? 'visit-types' : `find-${field}`);

// Clinic (when there are several), visit type, provider, dates and time of
// day. "First available" searches without dates.
export function SearchForm({ clinics, value, onValue, onSearch, fixed }: Props) {
  const { t, i18n } = useTranslation();
  const lang = uiLanguage(i18n.resolvedLanguage);
  const form = useProblems(['visitTypeId', 'to']);
  const options = clinics.find((c) => c.clinic.id === value.clinicId) ?? clinics[0];
  if (!options) return null;
  const { clinic } = options;
  const visitTypes = orderedVisitTypes(options, lang);
  const visitType = visitTypes.find((v) => v.id === value.visitTypeId);
  const set = (change: Partial<Search>) => onValue({ ...value, ...change });
  const today = todayIn(clinic.timeZone);
  const lastDay = visitType ? addDays(today, visitType.maxDaysAhead) : undefined;

  const submit = (search: Search) => {
    const problems = [];
    if (!search.visitTypeId)
      problems.push({ field: 'visitTypeId', message: t('appointments.find.chooseVisitType') });
    if (rangeProblem(search))
      problems.push({ field: 'to', message: t('appointments.errors.bad_range') });
    form.setProblems(problems);
    if (problems.length === 0) onSearch(search);
  };
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    submit(value);
  };
  const firstAvailable = () => {
    const search = { ...value, from: '', to: '' };
    onValue(search);
    submit(search);
  };

  return (
    <>
      <ErrorSummary
        problems={form.problems}
        idFor={(field) => (field === 'visitTypeId' ? firstVisitTypeId(visitTypes) : idFor(field))}
      />
      <search>
        <form className="form" noValidate onSubmit={onSubmit}>
          {clinics.length > 1 && !fixed && (
            <SelectField
              id={idFor('clinicId')}
              label={t('appointments.find.clinic')}
              value={clinic.id}
              onValue={(clinicId) => onValue(emptySearch(clinicId))}
              options={clinics.map((c) => ({ value: c.clinic.id, label: c.clinic.name }))}
            />
          )}
          {!fixed && (
            <VisitTypeChoice
              clinic={clinic}
              visitTypes={visitTypes}
              value={value.visitTypeId}
              onValue={(visitTypeId) => set({ visitTypeId, providerId: '' })}
              error={form.errorFor('visitTypeId')}
            />
          )}
          {visitType?.booking === 'offline' ? (
            <div className="notice notice--info">
              <CallClinic text={t('appointments.find.callToBook')} phone={clinic.phone} />
            </div>
          ) : (
            <>
              <SelectField
                id={idFor('providerId')}
                label={t('appointments.find.provider')}
                value={value.providerId}
                onValue={(providerId) => set({ providerId })}
                options={[
                  { value: '', label: t('appointments.find.anyProvider') },
                  ...providersFor(options, visitType).map((p) => ({
                    value: p.id,
                    label: p.name,
                  })),
                ]}
              />
              <TextField
                id={idFor('from')}
                label={t('appointments.find.from')}
                hint={t('appointments.find.datesHint')}
                type="date"
                min={today}
                max={lastDay}
                value={value.from}
                onValue={(from) => set({ from })}
              />
              <TextField
                id={idFor('to')}
                label={t('appointments.find.to')}
                type="date"
                min={value.from || today}
                max={lastDay}
                value={value.to}
                onValue={(to) => set({ to })}
                error={form.errorFor('to')}
              />
              <SelectField
                id={idFor('timeOfDay')}
                label={t('appointments.find.timeOfDay')}
                value={value.timeOfDay}
                onValue={(timeOfDay) => set({ timeOfDay: timeOfDay as TimeOfDay | '' })}
                options={[
                  { value: '', label: t('appointments.find.anyTime') },
                  ...TIMES_OF_DAY.map((time) => ({
                    value: time,
                    label: t(`appointments.find.times.${time}`),
                  })),
                ]}
              />
              <div className="button-row">
                <button type="submit" className="button">
                  {t('appointments.find.search')}
                </button>
                <button type="button" className="button button--secondary" onClick={firstAvailable}>
                  {t('appointments.find.firstAvailable')}
                </button>
              </div>
            </>
          )}
        </form>
      </search>
    </>
  );
}
