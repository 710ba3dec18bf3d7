import { type FormEvent, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSession } from '../auth/session.ts';
import { Notice } from '../forms/Notice.tsx';
import { SelectField } from '../forms/SelectField.tsx';
import { DoneNotice } from '../refills/DoneNotice.tsx';
import { TextAreaField } from '../refills/TextAreaField.tsx';
import { inboxErrorMessage } from './errors.ts';
import { assignees, THREAD_STATUSES } from './inbox.ts';
import { act, type ThreadAction, useInboxChanged } from './queries.ts';
import type { InboxPools, ThreadView } from './types.ts';

// Who has the thread, where it stands, and a hand-off to a provider with a
// note (kept as an internal note). The server checks each again.
export function ThreadActions({ thread, pools }: { thread: ThreadView; pools?: InboxPools }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  const me = useSession().data?.user;
  const changed = useInboxChanged();
  const headingId = useId();
  const [done, setDone] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const pool = pools?.pools.find((p) => p.topic === thread.topic);
  // The pool's staff, and whoever has it now (the pool list may not name them).
  const people = assignees(
    [...(pool?.staff ?? []), ...(thread.assignedTo ? [thread.assignedTo] : [])],
    me ? { id: me.id, name: me.displayName } : null,
  );
  const [assignee, setAssignee] = useState(thread.assignedTo?.id ?? '');
  const [status, setStatus] = useState(thread.status);
  const providers = pools?.providers ?? [];
  const [provider, setProvider] = useState('');
  const [note, setNote] = useState('');
  const [noteMissing, setNoteMissing] = useState(false);

  const run = async (action: ThreadAction, said: string) => {
    setProblem(null);
    setDone(null);
    try {
      await act(thread.id, action);
      setDone(said);
      return true;
    } catch (error) {
      setProblem(inboxErrorMessage(t, lang, error));
      return false;
    } finally {
      await changed();
    }
  };
  const handOff = async (event: FormEvent) => {
    event.preventDefault();
    const chosen = provider || providers[0]?.id;
    if (!chosen) return;
    setNoteMissing(!note.trim());
    if (!note.trim()) return;
    const name = providers.find((p) => p.id === chosen)?.name ?? '';
    const ok = await run(
      { kind: 'handoff', providerUserId: chosen, note: note.trim() },
      t('inbox.actions.handedOff', { name }),
    );
    if (ok) setNote('');
  };

  return (
    <section aria-labelledby={headingId}>
      <h2 id={headingId}>{t('inbox.actions.title')}</h2>
      {done && <DoneNotice key={done} text={done} />}
      {problem && <Notice kind="error">{problem}</Notice>}
      {me && thread.assignedTo?.id !== me.id && (
        <div className="button-row">
          <button
            type="button"
            className="button"
            onClick={async () => {
              if (await run({ kind: 'assign', userId: me.id }, t('inbox.actions.assignedToMe')))
                setAssignee(me.id);
            }}
          >
            {t('inbox.actions.assignMe')}
          </button>
        </div>
      )}
      <form
        className="form form--inline"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          const name = people.find((p) => p.id === assignee)?.name;
          void run(
            { kind: 'assign', userId: assignee || null },
            name ? t('inbox.actions.assigned', { name }) : t('inbox.actions.unassigned'),
          );
        }}
      >
        <SelectField
          id="thread-assignee"
          label={t('inbox.actions.assignTo')}
          value={assignee}
          onValue={setAssignee}
          options={[
            { value: '', label: t('inbox.nobody') },
            ...people.map((p) => ({
              value: p.id,
              label: p.id === me?.id ? t('inbox.actions.me', { name: p.name }) : p.name,
            })),
          ]}
        />
        <button type="submit" className="button button--secondary">
          {t('inbox.actions.assign')}
        </button>
      </form>
      <form
        className="form form--inline"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void run(
            { kind: 'status', status },
            t('inbox.actions.statusSet', { status: t(`inbox.status.${status}`) }),
          );
        }}
      >
        <SelectField
          id="thread-status"
          label={t('inbox.actions.status')}
          value={status}
          onValue={(value) => setStatus(value as typeof status)}
          options={THREAD_STATUSES.map((s) => ({ value: s, label: t(`inbox.status.${s}`) }))}
        />
        <button type="submit" className="button button--secondary">
          {t('inbox.actions.setStatus')}
        </button>
      </form>
      <h3>{t('inbox.actions.handoff')}</h3>
      {providers.length === 0 ? (
        <p>{t('inbox.actions.noProviders')}</p>
      ) : (
        <form className="form" noValidate onSubmit={handOff}>
          <p>{t('inbox.actions.handoffIntro')}</p>
          <SelectField
            id="thread-provider"
            label={t('inbox.actions.provider')}
            value={provider || providers[0]?.id}
            onValue={setProvider}
            options={providers.map((p) => ({ value: p.id, label: p.name }))}
          />
          <TextAreaField
            id="thread-handoff-note"
            label={t('inbox.actions.handoffNote')}
            hint={t('inbox.actions.handoffNoteHint')}
            value={note}
            maxLength={10_000}
            onValue={setNote}
            error={noteMissing ? t('inbox.actions.noteMissing') : undefined}
          />
          <div className="button-row">
            <button type="submit" className="button button--secondary">
              {t('inbox.actions.handoffButton')}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
