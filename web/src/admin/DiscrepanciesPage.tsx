import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api } from '../api.ts';
import { errorMessage } from '../forms/messages.ts';
import { Notice } from '../forms/Notice.tsx';
import { SelectField } from '../forms/SelectField.tsx';
import { useClinics } from '../public/clinics.ts';
import { getJson } from '../query.ts';
import { LoadFailed } from '../shell/LoadFailed.tsx';
import { Loading } from '../shell/Loading.tsx';
import { Pager } from '../shell/Pager.tsx';
import { usePageTitle } from '../shell/usePageTitle.ts';
import { DiscrepancyCard } from './DiscrepancyCard.tsx';
import {
  DISCREPANCY_STATUSES,
  DISCREPANCY_TYPES,
  type Discrepancy,
  type DiscrepancyPage,
  type DiscrepancySearch,
  type ResolveAction,
  searchParams,
} from './ehrDesk.ts';
import { NoteDialog } from './NoteDialog.tsx';

const START: DiscrepancySearch = { clinicId: '', type: '', status: 'open', page: 1 };

// Differences the reconcile job found between the portal and the EHR. Each
// shows both versions field by field; staff take the EHR's version, send the
// portal's to the EHR, or dismiss it with a note. Every choice is audited.
export function DiscrepanciesPage() {
  const { t, i18n } = useTranslation();
  usePageTitle(t('discrepancies.title'));
  const lang = i18n.resolvedLanguage ?? 'en';
  const client = useQueryClient();
  const clinics = useClinics();
  const [search, setSearch] = useState<DiscrepancySearch>(START);
  const [values, setValues] = useState<DiscrepancySearch>(START);
  const [message, setMessage] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);
  const [dismissing, setDismissing] = useState<Discrepancy | null>(null);
  const list = useQuery({
    queryKey: ['discrepancies', search],
    queryFn: getJson<DiscrepancyPage>(`/api/admin/discrepancies?${searchParams(search)}`),
    placeholderData: keepPreviousData,
  });

  const resolve = async (d: Discrepancy, action: ResolveAction, note?: string) => {
    setMessage(null);
    try {
      await api(`/api/admin/discrepancies/${d.id}/resolve`, {
        method: 'POST',
        json: note === undefined ? { action } : { action, note },
      });
      setMessage({ kind: 'success', text: t(`discrepancies.done.${action}`) });
    } catch (error) {
      if (action === 'dismiss') throw error;
      setMessage({ kind: 'error', text: errorMessage(t, lang, error) });
    } finally {
      await client.invalidateQueries({ queryKey: ['discrepancies'] });
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSearch({ ...values, page: 1 });
  };
  const set = (field: 'clinicId' | 'type' | 'status') => (value: string) =>
    setValues((v) => ({ ...v, [field]: value }));

  const data = list.data;
  const pages = data ? Math.max(1, Math.ceil(data.total / data.pageSize)) : 1;
  return (
    <>
      <h1>{t('discrepancies.title')}</h1>
      <p>{t('discrepancies.intro')}</p>
      <p>
        <Link to="/admin/outbox">{t('discrepancies.outboxLink')}</Link>
      </p>
      <form className="form form--grid" noValidate onSubmit={submit}>
        <SelectField
          id="discrepancy-clinic"
          label={t('discrepancies.clinic')}
          value={values.clinicId}
          onValue={set('clinicId')}
          options={[
            { value: '', label: t('discrepancies.allClinics') },
            ...(clinics.data ?? []).map((c) => ({ value: c.id, label: c.name })),
          ]}
        />
        <SelectField
          id="discrepancy-type"
          label={t('discrepancies.type')}
          value={values.type}
          onValue={set('type')}
          options={[
            { value: '', label: t('discrepancies.anyType') },
            ...DISCREPANCY_TYPES.map((type) => ({
              value: type,
              label: t(`discrepancies.types.${type}`),
            })),
          ]}
        />
        <SelectField
          id="discrepancy-status"
          label={t('discrepancies.status')}
          value={values.status}
          onValue={set('status')}
          options={DISCREPANCY_STATUSES.map((s) => ({
            value: s,
            label: t(`discrepancies.statuses.${s}`),
          }))}
        />
        <div className="button-row form__actions">
          <button type="submit" className="button">
            {t('discrepancies.show')}
          </button>
        </div>
      </form>
      {message && <Notice kind={message.kind}>{message.text}</Notice>}
      {list.isPending && <Loading />}
      {list.isError && <LoadFailed error={list.error} retry={() => void list.refetch()} />}
      <p role="status" className="status">
        {data && t('discrepancies.found', { count: data.total })}
      </p>
      {data && data.items.length > 0 && (
        <>
          <ol className="item-list" aria-busy={list.isFetching}>
            {data.items.map((d) => (
              <li key={d.id}>
                <DiscrepancyCard
                  discrepancy={d}
                  onResolve={(action) =>
                    action === 'dismiss' ? setDismissing(d) : void resolve(d, action)
                  }
                />
              </li>
            ))}
          </ol>
          <Pager
            label={t('discrepancies.pages')}
            page={data.page}
            pageCount={pages}
            hasNext={data.page < pages}
            onPage={(page) => setSearch({ ...search, page })}
          />
        </>
      )}
      <NoteDialog
        open={dismissing !== null}
        title={t('discrepancies.dismissTitle')}
        intro={t('discrepancies.dismissIntro')}
        confirm={t('discrepancies.actions.dismiss')}
        onCancel={() => setDismissing(null)}
        onConfirm={async (note) => {
          await resolve(dismissing as Discrepancy, 'dismiss', note);
          setDismissing(null);
        }}
      />
    </>
  );
}
