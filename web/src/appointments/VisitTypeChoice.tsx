import { useTranslation } from 'react-i18next';
import type { Clinic, VisitType } from './types.ts';

interface Props {
  clinic: Clinic;
  visitTypes: VisitType[];
  value: string;
  onValue: (id: string) => void;
  error?: string;
}

const idFor = (id: string) => `visit-type-${id}`;
export const firstVisitTypeId = (visitTypes: VisitType[]) =>
  visitTypes[0] ? idFor(visitTypes[0].id) : 'visit-types';

// The visit types as radio buttons, each saying how it is booked: online,
// by request (the clinic confirms), or only by phone.
export function VisitTypeChoice({ clinic, visitTypes, value, onValue, error }: Props) {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage === 'es' ? 'es' : 'en';
  const errorId = error ? 'visit-types-error' : undefined;
  return (
    <fieldset
      id="visit-types"
      className={error ? 'choices field--error' : 'choices'}
      aria-describedby={errorId}
    >
      <legend>{t('appointments.find.visitType')}</legend>
      {error && (
        <p id={errorId} className="field__error">
          {error}
        </p>
      )}
      {visitTypes.map((v) => (
        <div key={v.id} className="choice">
          <input
            id={idFor(v.id)}
            type="radio"
            name="visitType"
            value={v.id}
            checked={value === v.id}
            aria-describedby={`${idFor(v.id)}-hint`}
            onChange={() => onValue(v.id)}
          />
          <label htmlFor={idFor(v.id)}>{v.name[lang]}</label>
          <span id={`${idFor(v.id)}-hint`} className="field__hint">
            {v.booking === 'offline'
              ? t('appointments.find.callAt')
              : `${t(`appointments.modes.${v.mode}`)}.${
                  v.booking === 'request' ? ` ${t('appointments.find.byRequest')}` : ''
                }`}
            {v.booking === 'offline' && (
              <>
                {' '}
                <a href={`tel:${clinic.phone.replace(/[^+\d]/g, '')}`}>{clinic.phone}</a>
              </>
            )}
          </span>
        </div>
      ))}
    </fieldset>
  );
}
