import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Notice } from '../forms/Notice.tsx';
import { LoadFailed } from '../shell/LoadFailed.tsx';
import { Loading } from '../shell/Loading.tsx';
import { usePageTitle } from '../shell/usePageTitle.ts';
import { BookedView } from './BookedView.tsx';
import { ConfirmStep } from './ConfirmStep.tsx';
import { nextTimesOf, schedulingErrorMessage } from './errors.ts';
import { useFocusOnMount } from './focus.ts';
import { useSchedulingOptions } from './queries.ts';
import { useReleaseWhenDone } from './release.ts';
import { SearchForm } from './SearchForm.tsx';
import { SlotResults } from './SlotResults.tsx';
import { type Search, startingSearch, uiLanguage } from './search.ts';
import { TimeChoices } from './TimeButton.tsx';
import type { Appointment, ClinicOptions, Held, Slot } from './types.ts';
import { useHold } from './useHold.ts';
import { whenText } from './when.ts';

type Step =
  | { kind: 'search'; back: string | null }
  | { kind: 'confirm'; held: Held }
  | { kind: 'done'; appointment: Appointment };

interface Props {
  /** Moving this appointment: same clinic and visit type, then reschedule. */
  moving?: Appointment;
  /** A time held elsewhere (an offered next time): start at the confirm step. */
  held?: Held;
}

// Finding a time, holding it, confirming it: three steps on one page. Each
// step's heading takes focus as it appears; coming back from the confirm
// step puts focus on the time that was chosen.
export function FindTime({ moving, held }: Props) {
  const options = useSchedulingOptions();
  const [step, setStep] = useState<Step>(
    held ? { kind: 'confirm', held } : { kind: 'search', back: null },
  );
  // The search lives here, so coming back from the confirm step finds it as it was.
  const [form, setForm] = useState<Search | null>(null);
  const [search, setSearch] = useState<Search | null>(null);
  useReleaseWhenDone(step.kind === 'confirm' ? step.held.slot.id : null);
  const onHeld = (next: Held) => setStep({ kind: 'confirm', held: next });
  if (step.kind === 'confirm')
    return (
      <ConfirmStep
        key={step.held.slot.id}
        held={step.held}
        moving={moving}
        focusHeading={step.held !== held}
        onHeld={onHeld}
        onOther={() => setStep({ kind: 'search', back: step.held.slot.id })}
        onDone={(appointment) => setStep({ kind: 'done', appointment })}
      />
    );
  if (step.kind === 'done') return <BookedView booked={step.appointment} moved={Boolean(moving)} />;
  if (options.isPending) return <Loading />;
  if (options.isError)
    return <LoadFailed error={options.error} retry={() => void options.refetch()} />;
  // Moving, or back from an offered time: that clinic and visit type, searched at once.
  const from = moving ?? (held && { clinicId: held.clinic.id, visitTypeId: held.visitType.id });
  const start = startingSearch(options.data.clinics, from);
  return (
    <SearchStep
      clinics={options.data.clinics}
      moving={moving}
      back={step.back}
      onHeld={onHeld}
      form={form ?? start}
      onForm={setForm}
      search={search ?? (from ? start : null)}
      onSearch={setSearch}
    />
  );
}

function SearchStep({
  clinics,
  moving,
  back,
  onHeld,
  form,
  onForm,
  search,
  onSearch,
}: {
  clinics: ClinicOptions[];
  moving?: Appointment;
  back: string | null;
  onHeld: (held: Held) => void;
  form: Search;
  onForm: (search: Search) => void;
  search: Search | null;
  onSearch: (search: Search) => void;
}) {
  const { t, i18n } = useTranslation();
  const lang = uiLanguage(i18n.resolvedLanguage);
  const title = t(moving ? 'appointments.find.moveTitle' : 'appointments.find.title');
  usePageTitle(title);
  // Back from the confirm step with no results to return to: start at the top.
  const heading = useFocusOnMount<HTMLHeadingElement>(back !== null && search === null);
  const holding = useHold(onHeld);
  const options = clinics.find((c) => c.clinic.id === form.clinicId);
  const visitType = options?.visitTypes.find((v) => v.id === form.visitTypeId);
  const choose = (slot: Slot) => {
    if (options && visitType) void holding.hold(slot, options.clinic, visitType);
  };
  const nextTimes = nextTimesOf(holding.error);
  return (
    <>
      <h1 ref={heading} tabIndex={-1}>
        {title}
      </h1>
      {moving && (
        <p className="lead">
          {t('appointments.find.moving', {
            visit: moving.visitTypeName[lang],
            when: whenText(lang, moving.startsAt, moving.timeZone),
          })}
        </p>
      )}
      {clinics.length === 0 || !options ? (
        <p>{t('appointments.find.noClinics')}</p>
      ) : (
        <>
          <SearchForm
            clinics={clinics}
            value={form}
            onValue={onForm}
            onSearch={onSearch}
            fixed={Boolean(moving)}
          />
          {holding.error !== null && (
            <Notice kind="error">
              <p>{schedulingErrorMessage(t, lang, holding.error)}</p>
            </Notice>
          )}
          {nextTimes.length > 0 && (
            <TimeChoices
              slots={nextTimes}
              timeZone={options.clinic.timeZone}
              busy={holding.busy}
              label={t('appointments.nextTimes.title')}
              onChoose={choose}
            />
          )}
          {search && visitType?.booking !== 'offline' && (
            <SlotResults search={search} busy={holding.busy} onChoose={choose} focusSlotId={back} />
          )}
        </>
      )}
    </>
  );
}
