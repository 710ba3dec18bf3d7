import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { useSession } from '../auth/session.ts';
import { Notice } from '../forms/Notice.tsx';
import { SelectField } from '../forms/SelectField.tsx';
import { inboxErrorMessage } from '../inbox/errors.ts';
import '../inbox/inbox.css';
import { inboxKey, useTemplates } from '../inbox/queries.ts';
import { PLACEHOLDERS, templateClinics } from '../inbox/templates.ts';
import type { Template } from '../inbox/types.ts';
import { useClinics } from '../public/clinics.ts';
import '../refills/refills.css';
import { Dialog } from '../shell/Dialog.tsx';
import { LoadFailed } from '../shell/LoadFailed.tsx';
import { Loading } from '../shell/Loading.tsx';
import { usePageTitle } from '../shell/usePageTitle.ts';
import { MessageTemplateForm } from './MessageTemplateForm.tsx';

// /admin/message-templates: a clinic's quick replies for the staff inbox, in
// English and Spanish, with the placeholders the inbox fills explained.
export function MessageTemplatesPage() {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  usePageTitle(t('inbox.templates.title'));
  const client = useQueryClient();
  const session = useSession();
  const clinics = useClinics();
  const mine = templateClinics(session.data?.roles ?? [], clinics.data ?? []);
  const [chosen, setChosen] = useState('');
  const clinicId = chosen || mine[0]?.id || '';
  const list = useTemplates(clinicId);
  const [editing, setEditing] = useState<Template | 'new' | null>(null);
  const [deleting, setDeleting] = useState<Template | null>(null);
  const [said, setSaid] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);
  // Where focus goes when the form closes: the notice, or the list after a cancel.
  const saidBox = useRef<HTMLDivElement>(null);
  const listHeading = useRef<HTMLHeadingElement>(null);
  const placeholdersId = useId();
  useEffect(() => {
    if (said) saidBox.current?.focus();
  }, [said]);
  const refresh = () => client.invalidateQueries({ queryKey: [...inboxKey, 'templates'] });

  const saved = async (template: Template, isNew: boolean) => {
    setEditing(null);
    setSaid({
      kind: 'success',
      text: t(isNew ? 'inbox.templates.created' : 'inbox.templates.saved', { name: template.name }),
    });
    await refresh();
  };
  const remove = async (template: Template) => {
    setDeleting(null);
    try {
      await api(`/api/staff/messages/templates/${encodeURIComponent(template.id)}`, {
        method: 'DELETE',
      });
      setSaid({ kind: 'success', text: t('inbox.templates.deleted', { name: template.name }) });
    } catch (error) {
      setSaid({ kind: 'error', text: inboxErrorMessage(t, lang, error) });
    }
    await refresh();
  };

  return (
    <div className="inbox">
      <h1>{t('inbox.templates.title')}</h1>
      <p>{t('inbox.templates.intro')}</p>
      <section aria-labelledby={placeholdersId}>
        <h2 id={placeholdersId}>{t('inbox.templates.placeholdersTitle')}</h2>
        <p>{t('inbox.templates.placeholdersIntro')}</p>
        <dl className="facts">
          {PLACEHOLDERS.map((name) => (
            <div key={name}>
              <dt>
                <code>{`{{${name}}}`}</code>
              </dt>
              <dd>{t(`inbox.templates.placeholders.${name}`)}</dd>
            </div>
          ))}
        </dl>
      </section>
      {mine.length > 1 && (
        <form className="form" noValidate onSubmit={(e) => e.preventDefault()}>
          <SelectField
            id="templates-clinic"
            label={t('inbox.templates.clinic')}
            value={clinicId}
            onValue={(id) => {
              setChosen(id);
              setEditing(null);
              setSaid(null);
            }}
            options={mine.map((c) => ({ value: c.id, label: c.name }))}
          />
        </form>
      )}
      <div ref={saidBox} tabIndex={-1}>
        {said && <Notice kind={said.kind}>{said.text}</Notice>}
      </div>
      {clinics.data && mine.length === 0 && <p>{t('inbox.templates.noClinics')}</p>}
      {(clinics.isPending || (clinicId !== '' && list.isPending)) && <Loading />}
      {list.isError && <LoadFailed error={list.error} retry={() => void list.refetch()} />}
      {clinicId && editing !== null && (
        <MessageTemplateForm
          key={editing === 'new' ? 'new' : editing.id}
          clinicId={clinicId}
          template={editing === 'new' ? null : editing}
          onSaved={(template) => void saved(template, editing === 'new')}
          onCancel={() => {
            setEditing(null);
            listHeading.current?.focus();
          }}
        />
      )}
      {list.data && (
        <>
          <h2 ref={listHeading} tabIndex={-1}>
            {t('inbox.templates.listTitle', {
              clinic: mine.find((c) => c.id === clinicId)?.name ?? '',
            })}
          </h2>
          <p role="status" className="status">
            {t('inbox.templates.count', { count: list.data.length })}
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
                {t('inbox.templates.add')}
              </button>
            </div>
          )}
          <ul className="item-list">
            {list.data.map((template) => (
              <li key={template.id}>
                <TemplateCard
                  template={template}
                  onEdit={() => {
                    setSaid(null);
                    setEditing(template);
                  }}
                  onDelete={() => setDeleting(template)}
                />
              </li>
            ))}
          </ul>
        </>
      )}
      <Dialog
        open={deleting !== null}
        title={t('inbox.templates.deleteTitle', { name: deleting?.name ?? '' })}
        onCancel={() => setDeleting(null)}
      >
        <p>{t('inbox.templates.deleteIntro')}</p>
        <div className="button-row">
          <button
            type="button"
            className="button button--danger"
            onClick={() => deleting && void remove(deleting)}
          >
            {t('inbox.templates.delete')}
          </button>
          <button
            type="button"
            className="button button--secondary"
            onClick={() => setDeleting(null)}
          >
            {t('inbox.templates.keep')}
          </button>
        </div>
      </Dialog>
    </div>
  );
}

/** One template: its name and both texts, as written (text, never HTML). */
function TemplateCard({
  template,
  onEdit,
  onDelete,
}: {
  template: Template;
  onEdit: () => void;
  onDelete: () => void;
}) {
  const { t } = useTranslation();
  const headingId = useId();
  return (
    <article className="item" aria-labelledby={headingId}>
      <h3 id={headingId}>{template.name}</h3>
      <dl className="facts">
        <div>
          <dt>{t('inbox.templates.fields.en')}</dt>
          <dd className="message__body" lang="en">
            {template.body.en}
          </dd>
        </div>
        <div>
          <dt>{t('inbox.templates.fields.es')}</dt>
          <dd className="message__body" lang="es">
            {template.body.es}
          </dd>
        </div>
      </dl>
      <div className="button-row">
        <button type="button" className="button button--secondary" onClick={onEdit}>
          {t('inbox.templates.edit')}
          <span className="visually-hidden"> {template.name}</span>
        </button>
        <button type="button" className="button button--danger" onClick={onDelete}>
          {t('inbox.templates.delete')}
          <span className="visually-hidden"> {template.name}</span>
        </button>
      </div>
    </article>
  );
}
