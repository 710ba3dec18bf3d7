import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { Static } from 'typebox';
import type { WaitlistStateView } from '../../../src/modules/scheduling/waitlist-routes.ts';
import { api } from '../api.ts';
import { Notice } from '../forms/Notice.tsx';
import { getJson } from '../query.ts';
import { LoadFailed } from '../shell/LoadFailed.tsx';
import type { Appointment } from './types.ts';
import { waitlistErrorMessage } from './WaitlistOffers.tsx';

type WaitlistState = Static<typeof WaitlistStateView>;
type Choice = 'same' | 'any';

const stateKey = (id: string) => ['waitlist', id] as const;
const statePath = (id: string) => `/api/appointments/${encodeURIComponent(id)}/waitlist`;

/**
 * On an appointment's page: ask for an earlier time (with the same provider
 * or any), change that choice, or stop waiting. Nothing shows when the
 * appointment could not move anyway (a request, past, after the cut-off).
 */
export function WaitlistSection({ appointment: a }: { appointment: Appointment }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  const client = useQueryClient();
  const state = useQuery({
    queryKey: stateKey(a.id),
    queryFn: getJson<WaitlistState>(statePath(a.id)),
  });
  const [choice, setChoice] = useState<Choice | null>(null);
  const [message, setMessage] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const s = state.data;
  if (state.isError) return <LoadFailed error={state.error} retry={() => void state.refetch()} />;
  if (!s || (!s.waiting && !s.canJoin)) return null;
  const chosen: Choice = choice ?? s.provider ?? 'same';

  const change = async (request: () => Promise<WaitlistState>, done: string) => {
    if (busy) return;
    setBusy(true);
    setMessage(null);
    try {
      client.setQueryData(stateKey(a.id), await request());
      setChoice(null);
      setMessage({ kind: 'success', text: done });
    } catch (error) {
      setMessage({ kind: 'error', text: waitlistErrorMessage(t, lang, error) });
    } finally {
      setBusy(false);
    }
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void change(
      () => api<WaitlistState>(statePath(a.id), { method: 'POST', json: { provider: chosen } }),
      t(s.waiting ? 'waitlist.section.saved' : 'waitlist.section.joined'),
    );
  };
  const leave = () =>
    change(
      () => api<WaitlistState>(statePath(a.id), { method: 'DELETE' }),
      t('waitlist.section.left'),
    );

  return (
    <section className="section" aria-labelledby="waitlist-title">
      <h2 id="waitlist-title">{t('waitlist.section.title')}</h2>
      <p>
        {s.waiting
          ? s.provider === 'same'
            ? t('waitlist.section.waitingSame', { provider: a.providerName })
            : t('waitlist.section.waitingAny')
          : t('waitlist.section.intro')}
      </p>
      {message && <Notice kind={message.kind}>{message.text}</Notice>}
      {s.canJoin && (
        <form className="form" noValidate onSubmit={submit}>
          <fieldset className="choices">
            <legend>{t('waitlist.section.choice')}</legend>
            {(['same', 'any'] as const).map((value) => (
              <div key={value} className="choice">
                <input
                  id={`waitlist-${value}`}
                  type="radio"
                  name="waitlist-provider"
                  value={value}
                  checked={chosen === value}
                  onChange={() => setChoice(value)}
                />
                <label htmlFor={`waitlist-${value}`}>
                  {t(`waitlist.section.${value}`, { provider: a.providerName })}
                </label>
              </div>
            ))}
          </fieldset>
          <div className="button-row">
            <button type="submit" className="button" aria-disabled={busy}>
              {t(s.waiting ? 'waitlist.section.save' : 'waitlist.section.join')}
            </button>
            {s.waiting && (
              <button
                type="button"
                className="button button--secondary"
                aria-disabled={busy}
                onClick={() => void leave()}
              >
                {t('waitlist.section.leave')}
              </button>
            )}
          </div>
        </form>
      )}
      {s.waiting && (
        <p>
          <Link to="/appointments/offers">{t('waitlist.section.seeOffers')}</Link>
        </p>
      )}
    </section>
  );
}
