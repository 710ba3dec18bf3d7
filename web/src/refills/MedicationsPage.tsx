import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { ApiError } from '../api.ts';
import { useSchedulingOptions } from '../appointments/queries.ts';
import { ErrorSummary } from '../forms/ErrorSummary.tsx';
import { SelectField } from '../forms/SelectField.tsx';
import { LoadFailed } from '../shell/LoadFailed.tsx';
import { Loading } from '../shell/Loading.tsx';
import { usePageTitle } from '../shell/usePageTitle.ts';
import './refills.css';
import { stillChosen } from './eligibility.ts';
import { type ClinicContact, MedicationCard } from './MedicationCard.tsx';
import { useMedications } from './queries.ts';
import { RequestForm } from './RequestForm.tsx';
import { RequestsSent } from './RequestsSent.tsx';
import type { MedicationList, RefillRequest } from './types.ts';

/** The clinic the requests go to (the one the list was judged for), with its phone for "call the clinic". */
function useRefillClinic(list: MedicationList | undefined) {
  const options = useSchedulingOptions().data?.clinics;
  const id = list?.clinicId;
  const found = options?.find((o) => o.clinic.id === id)?.clinic;
  const contact: ClinicContact | undefined = found && { name: found.name, phone: found.phone };
  return { id, contact };
}

// /medications: the patient's active medications, each saying whether it can
// be asked for online; the chosen ones go into one request form, then a
// confirmation lists the requests made. The steps share the page (and its URL).
export function MedicationsPage() {
  const { t } = useTranslation();
  usePageTitle(t('refills.title'));
  const [params, setParams] = useSearchParams();
  const list = useMedications(params.get('clinic') ?? undefined);
  const clinic = useRefillClinic(list.data);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [step, setStep] = useState<'list' | 'form'>('list');
  const [sent, setSent] = useState<RefillRequest[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const medications = list.data?.medications ?? [];
  const picked = stillChosen(chosen, medications);

  if (sent)
    return (
      <RequestsSent
        requests={sent}
        onBack={() => {
          setSent(null);
          setChosen(new Set());
          setStep('list');
        }}
      />
    );
  if (step === 'form' && picked.length > 0 && clinic.id)
    return (
      <RequestForm
        clinicId={clinic.id}
        medications={picked}
        clinic={clinic.contact}
        onBack={() => setStep('list')}
        onSent={setSent}
      />
    );

  const noRecord = list.error instanceof ApiError && list.error.code === 'no_patient_record';
  const choose = (id: string, on: boolean) => {
    setProblem(null);
    setChosen((was) => {
      const next = new Set(was);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  };
  return (
    <>
      <h1>{t('refills.title')}</h1>
      <p>{t('refills.intro')}</p>
      <p>
        <Link to="/refills">{t('refills.myRequests')}</Link>
      </p>
      <ErrorSummary
        problems={problem ? [{ field: 'medications', message: problem }] : []}
        idFor={() => 'medication-list'}
      />
      {(list.data?.clinics.length ?? 0) > 1 && clinic.id && (
        <SelectField
          id="refills-clinic"
          label={t('refills.forClinic')}
          value={clinic.id}
          onValue={(id) => {
            setChosen(new Set());
            setParams({ clinic: id }, { replace: true });
          }}
          options={(list.data?.clinics ?? []).map((c) => ({ value: c.id, label: c.name }))}
        />
      )}
      {list.isPending && <Loading />}
      {noRecord && <p>{t('refills.errors.no_patient_record')}</p>}
      {list.isError && !noRecord && (
        <LoadFailed error={list.error} retry={() => void list.refetch()} />
      )}
      {list.data && medications.length === 0 && <p>{t('refills.none')}</p>}
      {medications.length > 0 && (
        <form
          noValidate
          onSubmit={(event) => {
            event.preventDefault();
            if (picked.length === 0 || !clinic.id) setProblem(t('refills.chooseFirst'));
            else setStep('form');
          }}
        >
          <ul id="medication-list" tabIndex={-1} className="medication-list">
            {medications.map((m) => (
              <MedicationCard
                key={m.id}
                medication={m}
                chosen={chosen.has(m.id)}
                onChosen={(on) => choose(m.id, on)}
                clinic={clinic.contact}
              />
            ))}
          </ul>
          <p role="status" className="status">
            {picked.length > 0 && t('refills.chosen', { count: picked.length })}
          </p>
          <div className="button-row medication-list__submit">
            <button type="submit" className="button">
              {t('refills.requestButton')}
            </button>
          </div>
        </form>
      )}
    </>
  );
}
