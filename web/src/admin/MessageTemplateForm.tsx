import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { useFocusOnMount } from '../appointments/focus.ts';
import { ErrorSummary } from '../forms/ErrorSummary.tsx';
import type { Problem } from '../forms/problems.ts';
import { TextField } from '../forms/TextField.tsx';
import { inboxErrorMessage } from '../inbox/errors.ts';
import {
  emptyTemplate,
  formOfTemplate,
  NAME_MAX,
  TEMPLATE_BODY_MAX,
  type TemplateField,
  type TemplateForm,
  type TemplateProblem,
  templateBody,
  templateProblems,
} from '../inbox/templates.ts';
import type { Template } from '../inbox/types.ts';
import { TextAreaField } from '../refills/TextAreaField.tsx';

const ids: Record<TemplateField, string> = {
  name: 'template-name',
  en: 'template-en',
  es: 'template-es',
};

/** Adds a template to the clinic, or changes one; checks what the server would refuse first. */
export function MessageTemplateForm({
  clinicId,
  template,
  onSaved,
  onCancel,
}: {
  clinicId: string;
  template: Template | null;
  onSaved: (saved: Template) => void;
  onCancel: () => void;
}) {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  const heading = useFocusOnMount<HTMLHeadingElement>(true);
  const [form, setForm] = useState<TemplateForm>(
    template ? formOfTemplate(template) : emptyTemplate,
  );
  const [problems, setProblems] = useState<Problem[]>([]);
  const [busy, setBusy] = useState(false);
  const say = (p: TemplateProblem): Problem => ({
    field: p.field,
    message: t(`inbox.templates.problems.${p.problem}`, {
      field: t(`inbox.templates.fields.${p.field}`),
      max: p.problem === 'tooLong' ? p.max : 0,
      names: p.problem === 'unknown' ? p.names : '',
    }),
  });
  const fieldError = (field: TemplateField) => problems.find((p) => p.field === field)?.message;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    const found = templateProblems(form);
    if (found.length > 0) return setProblems(found.map(say));
    setBusy(true);
    try {
      const saved = template
        ? await api<Template>(`/api/staff/messages/templates/${encodeURIComponent(template.id)}`, {
            method: 'PATCH',
            json: templateBody(form),
          })
        : await api<Template>('/api/staff/messages/templates', {
            method: 'POST',
            json: { clinicId, ...templateBody(form) },
          });
      onSaved(saved);
    } catch (error) {
      setProblems([{ message: inboxErrorMessage(t, lang, error) }]);
      setBusy(false);
    }
  };

  return (
    <form className="form card section" noValidate onSubmit={submit}>
      <h2 ref={heading} tabIndex={-1}>
        {template
          ? t('inbox.templates.editTitle', { name: template.name })
          : t('inbox.templates.addTitle')}
      </h2>
      <ErrorSummary problems={problems} idFor={(field) => ids[field as TemplateField]} />
      <TextField
        id={ids.name}
        label={t('inbox.templates.fields.name')}
        hint={t('inbox.templates.nameHint')}
        value={form.name}
        maxLength={NAME_MAX}
        onValue={(name) => setForm({ ...form, name })}
        error={fieldError('name')}
      />
      <TextAreaField
        id={ids.en}
        label={t('inbox.templates.fields.en')}
        value={form.en}
        maxLength={TEMPLATE_BODY_MAX}
        onValue={(en) => setForm({ ...form, en })}
        error={fieldError('en')}
      />
      <TextAreaField
        id={ids.es}
        label={t('inbox.templates.fields.es')}
        value={form.es}
        maxLength={TEMPLATE_BODY_MAX}
        onValue={(es) => setForm({ ...form, es })}
        error={fieldError('es')}
      />
      <div className="button-row">
        <button type="submit" className="button" aria-disabled={busy}>
          {t('inbox.templates.save')}
        </button>
        <button type="button" className="button button--secondary" onClick={onCancel}>
          {t('inbox.templates.cancel')}
        </button>
      </div>
    </form>
  );
}
