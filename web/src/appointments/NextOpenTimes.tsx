import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { Notice } from '../forms/Notice.tsx';
import { CallClinic } from './CallClinic.tsx';
import { schedulingErrorMessage } from './errors.ts';
import { useSchedulingOptions, useSlots } from './queries.ts';
import { emptySearch, uiLanguage } from './search.ts';
import { TimeChoices } from './TimeButton.tsx';
import type { Appointment } from './types.ts';
import { useHold } from './useHold.ts';
import { localDay } from './when.ts';

const SHOWN = 3;

// For an appointment that did not happen as planned (taken in the clinic's
// system, or a request declined): the next open times for the same visit
// type. Choosing one holds it and opens the confirm step.
export function NextOpenTimes({ appointment: a }: { appointment: Appointment }) {
  const { t, i18n } = useTranslation();
  const lang = uiLanguage(i18n.resolvedLanguage);
  const navigate = useNavigate();
  const options = useSchedulingOptions();
  const clinic = options.data?.clinics.find((c) => c.clinic.id === a.clinicId);
  const visitType = clinic?.visitTypes.find((v) => v.id === a.visitTypeId);
  const online = visitType !== undefined && visitType.booking !== 'offline';
  // From the lost time's day on, while it is ahead: the times nearest to the one wanted.
  const from = new Date(a.startsAt) > new Date() ? localDay(a.startsAt, a.timeZone) : '';
  const slots = useSlots(online ? { ...emptySearch(a.clinicId, a.visitTypeId), from } : null);
  const holding = useHold((held) => navigate('/appointments/new', { state: { held } }));
  const times = slots.data?.pages[0]?.slots.slice(0, SHOWN) ?? [];
  const title = t('appointments.nextTimes.title');
  if (options.isPending || (online && slots.isPending)) return null;
  return (
    <div className="next-times">
      {!online || times.length === 0 ? (
        <CallClinic text={t('appointments.nextTimes.none')} phone={a.clinicPhone} />
      ) : (
        <>
          <p>{t('appointments.nextTimes.intro')}</p>
          {holding.error !== null && (
            <Notice kind="error">
              <p>{schedulingErrorMessage(t, lang, holding.error)}</p>
            </Notice>
          )}
          <TimeChoices
            slots={times}
            timeZone={a.timeZone}
            busy={holding.busy}
            label={title}
            onChoose={(slot) =>
              clinic && visitType && void holding.hold(slot, clinic.clinic, visitType)
            }
          />
          <p>
            <Link to="/appointments/new">{t('appointments.nextTimes.search')}</Link>
          </p>
        </>
      )}
    </div>
  );
}
