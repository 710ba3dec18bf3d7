import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { TFunction } from 'i18next';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { OfferView } from '../../../src/modules/scheduling/waitlist-routes.ts';
import { ApiError, api } from '../api.ts';
import { Notice } from '../forms/Notice.tsx';
import { getJson } from '../query.ts';
import { LoadFailed } from '../shell/LoadFailed.tsx';
import { Loading } from '../shell/Loading.tsx';
import { usePageTitle } from '../shell/usePageTitle.ts';
import './appointments.css';
import { schedulingErrorMessage } from './errors.ts';
import { Facts } from './Facts.tsx';
import { useFocusOnMount } from './focus.ts';
import { appointmentsKey } from './queries.ts';
import { uiLanguage } from './search.ts';
import type { Appointment } from './types.ts';
import { whenText } from './when.ts';

const offersKey = ['waitlist-offers'] as const;
/** Offers come and go while the page is open (someone else takes one): look again this often. */
const OFFERS_POLL_MS = 60_000;

const WAITLIST_ERRORS = [
  'not_waitable',
  'offer_taken',
  'offer_expired',
  'offer_accepted',
  'offer_declined',
  'offer_closed',
] as const;
type WaitlistError = (typeof WAITLIST_ERRORS)[number];

/** The waitlist's refusals in the reader's language; the rest as for any scheduling change. */
export function waitlistErrorMessage(t: TFunction, lang: string, error: unknown): string {
  if (error instanceof ApiError && (WAITLIST_ERRORS as readonly string[]).includes(error.code))
    return t(`waitlist.errors.${error.code as WaitlistError}`);
  return schedulingErrorMessage(t, lang, error);
}

type Outcome =
  | { kind: 'accepted'; appointment: Appointment }
  | { kind: 'declined'; offer: OfferView }
  | { kind: 'error'; text: string };

/**
 * Earlier times offered to the patient, each to take or turn down. On the
 * appointments page it shows only when there are offers; on its own page
 * (where the offer e-mail links) it also says when there are none.
 */
export function WaitlistOffers({ standalone = false }: { standalone?: boolean }) {
  const { t, i18n } = useTranslation();
  const lang = uiLanguage(i18n.resolvedLanguage);
  const client = useQueryClient();
  const offers = useQuery({
    queryKey: offersKey,
    queryFn: getJson<{ offers: OfferView[] }>('/api/waitlist/offers'),
    refetchInterval: OFFERS_POLL_MS,
  });
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const list = offers.data?.offers ?? [];
  if (!standalone && list.length === 0 && !outcome) return null;
  // Its own page's title, or a part of the appointments page.
  const Title = standalone ? 'h1' : 'h2';
  const OfferTitle = standalone ? 'h2' : 'h3';

  const answer = async (offer: OfferView, action: 'accept' | 'decline') => {
    if (busy) return;
    setBusy(offer.id);
    setOutcome(null);
    try {
      const path = `/api/waitlist/offers/${encodeURIComponent(offer.id)}/${action}`;
      if (action === 'accept')
        setOutcome({
          kind: 'accepted',
          appointment: await api<Appointment>(path, { method: 'POST' }),
        });
      else {
        await api<void>(path, { method: 'POST' });
        setOutcome({ kind: 'declined', offer });
      }
    } catch (error) {
      setOutcome({ kind: 'error', text: waitlistErrorMessage(t, lang, error) });
    } finally {
      setBusy(null);
      await Promise.all([
        client.invalidateQueries({ queryKey: offersKey }),
        client.invalidateQueries({ queryKey: appointmentsKey }),
      ]);
    }
  };

  return (
    <section className="section" aria-labelledby="offers-title" aria-busy={offers.isFetching}>
      <Title id="offers-title">{t('waitlist.offers.title')}</Title>
      {outcome && <OutcomeNotice outcome={outcome} lang={lang} />}
      {offers.isPending && <Loading />}
      {offers.isError && <LoadFailed error={offers.error} retry={() => void offers.refetch()} />}
      {offers.data && list.length === 0 && <p>{t('waitlist.offers.none')}</p>}
      {list.length > 0 && (
        <>
          <p>{t('waitlist.offers.intro')}</p>
          <ul className="appointment-list">
            {list.map((o) => (
              <li key={o.id} className="card">
                <OfferTitle>{whenText(lang, o.startsAt, o.timeZone)}</OfferTitle>
                <Facts
                  rows={[
                    [t('waitlist.offers.instead'), whenText(lang, o.currentStartsAt, o.timeZone)],
                    [t('waitlist.offers.clinic'), o.clinicName],
                    [t('waitlist.offers.provider'), o.providerName],
                    [t('waitlist.offers.visitType'), o.visitTypeName[lang]],
                    [t('waitlist.offers.until'), whenText(lang, o.expiresAt, o.timeZone)],
                  ]}
                />
                <div className="button-row">
                  <button
                    type="button"
                    className="button"
                    aria-disabled={busy !== null}
                    onClick={() => void answer(o, 'accept')}
                  >
                    {t('waitlist.offers.accept')}
                    <span className="visually-hidden">
                      {' '}
                      {whenText(lang, o.startsAt, o.timeZone)}
                    </span>
                  </button>
                  <button
                    type="button"
                    className="button button--secondary"
                    aria-disabled={busy !== null}
                    onClick={() => void answer(o, 'decline')}
                  >
                    {t('waitlist.offers.decline')}
                    <span className="visually-hidden">
                      {' '}
                      {whenText(lang, o.startsAt, o.timeZone)}
                    </span>
                  </button>
                </div>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

/** What came of taking or turning down a time; focused, as the buttons it came from are gone. */
function OutcomeNotice({ outcome, lang }: { outcome: Outcome; lang: 'en' | 'es' }) {
  const { t } = useTranslation();
  const ref = useFocusOnMount<HTMLDivElement>(true);
  return (
    <div ref={ref} tabIndex={-1}>
      {outcome.kind === 'accepted' && (
        <Notice kind="success">
          <p>
            {t('waitlist.offers.accepted', {
              when: whenText(lang, outcome.appointment.startsAt, outcome.appointment.timeZone),
            })}{' '}
            <Link to={`/appointments/${outcome.appointment.id}`}>
              {t('waitlist.offers.seeAppointment')}
            </Link>
          </p>
        </Notice>
      )}
      {outcome.kind === 'declined' && (
        <Notice kind="success">
          {t('waitlist.offers.declined', {
            when: whenText(lang, outcome.offer.startsAt, outcome.offer.timeZone),
          })}
        </Notice>
      )}
      {outcome.kind === 'error' && <Notice kind="error">{outcome.text}</Notice>}
    </div>
  );
}

/** /appointments/offers, where the offer e-mails link. */
export function WaitlistOffersPage() {
  const { t } = useTranslation();
  usePageTitle(t('waitlist.offers.title'));
  return (
    <>
      <WaitlistOffers standalone />
      <p>
        <Link to="/appointments">{t('waitlist.offers.back')}</Link>
      </p>
    </>
  );
}
