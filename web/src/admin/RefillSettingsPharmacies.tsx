import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { errorMessage } from '../forms/messages.ts';
import { Notice } from '../forms/Notice.tsx';
import { getJson } from '../query.ts';
import { LoadFailed } from '../shell/LoadFailed.tsx';
import { Loading } from '../shell/Loading.tsx';
import { RefillSettingsPharmacyForm } from './RefillSettingsPharmacyForm.tsx';
import { byActiveThenName, type PharmacyDirectory, type PharmacyEntry } from './refillSettings.ts';

type Said = { kind: 'success' | 'error'; text: string };

/**
 * The clinic's pharmacy directory: each pharmacy with its address, phone and
 * NCPDP id, a form to add or change one, and a button to stop or resume
 * offering it (never deleting it: past requests name it).
 */
export function RefillSettingsPharmacies({ clinic }: { clinic: { id: string; name: string } }) {
  const { t, i18n } = useTranslation();
  const client = useQueryClient();
  const queryKey = ['pharmacies', clinic.id];
  const list = useQuery({
    queryKey,
    queryFn: getJson<PharmacyDirectory>(`/api/admin/pharmacies/${clinic.id}`),
  });
  const [editing, setEditing] = useState<PharmacyEntry | 'new' | null>(null);
  const [said, setSaid] = useState<Said | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  // Where focus goes when the form closes or a pharmacy changes: the notice, or the list.
  const saidBox = useRef<HTMLDivElement>(null);
  const listHeading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (said) saidBox.current?.focus();
  }, [said]);

  const k = 'refills.refillSettings.pharmacies';
  const refresh = () => client.invalidateQueries({ queryKey });
  const saved = async (p: PharmacyEntry, isNew: boolean) => {
    setEditing(null);
    setSaid({ kind: 'success', text: t(isNew ? `${k}.created` : `${k}.saved`, { name: p.name }) });
    await refresh();
  };
  const toggle = async (p: PharmacyEntry) => {
    if (busy) return;
    setBusy(p.id);
    setSaid(null);
    try {
      await api<PharmacyEntry>(`/api/admin/pharmacies/${clinic.id}/${p.id}`, {
        method: 'PATCH',
        json: { active: !p.active },
      });
      const text = t(p.active ? `${k}.deactivated` : `${k}.reactivated`, { name: p.name });
      setSaid({ kind: 'success', text });
      await refresh();
    } catch (error) {
      setSaid({ kind: 'error', text: errorMessage(t, i18n.resolvedLanguage ?? 'en', error) });
    } finally {
      setBusy(null);
    }
  };

  const pharmacies = list.data ? byActiveThenName(list.data.pharmacies) : [];
  const active = pharmacies.filter((p) => p.active).length;
  return (
    <section className="card section" aria-labelledby="pharmacies-title">
      <h2 id="pharmacies-title" ref={listHeading} tabIndex={-1}>
        {t(`${k}.title`)}
      </h2>
      <p>{t(`${k}.intro`)}</p>
      <div ref={saidBox} tabIndex={-1}>
        {said && <Notice kind={said.kind}>{said.text}</Notice>}
      </div>
      {list.isPending && <Loading />}
      {list.isError && <LoadFailed error={list.error} retry={() => void list.refetch()} />}
      {editing !== null && (
        <RefillSettingsPharmacyForm
          key={editing === 'new' ? 'new' : editing.id}
          clinicId={clinic.id}
          pharmacy={editing === 'new' ? null : editing}
          onSaved={(p) => void saved(p, editing === 'new')}
          onCancel={() => {
            setEditing(null);
            listHeading.current?.focus();
          }}
        />
      )}
      {list.data && (
        <>
          <p role="status" className="status">
            {pharmacies.length === 0
              ? t(`${k}.none`)
              : t(`${k}.count`, { count: pharmacies.length, active })}
          </p>
          {editing === null && (
            <div className="button-row">
              <button
                type="button"
                className="button"
                onClick={() => {
                  setSaid(null);
                  setEditing('new');
                }}
              >
                {t(`${k}.add`)}
              </button>
            </div>
          )}
          <ul className="item-list">
            {pharmacies.map((p) => (
              <li key={p.id}>
                <PharmacyCard
                  pharmacy={p}
                  busy={busy === p.id}
                  onEdit={() => {
                    setSaid(null);
                    setEditing(p);
                  }}
                  onToggle={() => void toggle(p)}
                />
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function PharmacyCard({
  pharmacy: p,
  busy,
  onEdit,
  onToggle,
}: {
  pharmacy: PharmacyEntry;
  busy: boolean;
  onEdit: () => void;
  onToggle: () => void;
}) {
  const { t } = useTranslation();
  const headingId = useId();
  const k = 'refills.refillSettings.pharmacies';
  return (
    <article className="item" aria-labelledby={headingId}>
      <h3 id={headingId} className="visit-type__name">
        {p.name}
        {!p.active && (
          <>
            {' '}
            <span className="badge badge--none">{t(`${k}.inactive`)}</span>
          </>
        )}
      </h3>
      <dl className="facts">
        <div>
          <dt>{t(`${k}.address`)}</dt>
          <dd>{p.address}</dd>
        </div>
        <div>
          <dt>{t(`${k}.phone`)}</dt>
          <dd>{p.phone}</dd>
        </div>
        <div>
          <dt>{t(`${k}.ncpdpId`)}</dt>
          <dd>{p.ncpdpId ?? t(`${k}.noNcpdp`)}</dd>
        </div>
      </dl>
      <div className="button-row">
        <button type="button" className="button button--secondary" onClick={onEdit}>
          {t(`${k}.edit`)}
          <span className="visually-hidden"> {p.name}</span>
        </button>
        <button
          type="button"
          className="button button--secondary"
          aria-disabled={busy}
          onClick={onToggle}
        >
          {t(p.active ? `${k}.deactivate` : `${k}.reactivate`)}
          <span className="visually-hidden"> {p.name}</span>
        </button>
      </div>
    </article>
  );
}
