import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { isPasskeyCancel, type Passkey, registerPasskey } from '../auth/passkeys.ts';
import { RecoveryCodes } from '../auth/RecoveryCodes.tsx';
import { sessionKey } from '../auth/session.ts';
import { errorMessage } from '../forms/messages.ts';
import { Notice } from '../forms/Notice.tsx';
import { TextField } from '../forms/TextField.tsx';
import { dateTime } from '../i18n/format.ts';
import { getJson } from '../query.ts';
import { LoadFailed } from '../shell/LoadFailed.tsx';
import { Loading } from '../shell/Loading.tsx';
import { accountKey } from './account.ts';
import { useStepUp } from './StepUp.tsx';

const passkeysKey = ['passkeys'] as const;

export function PasskeysSection() {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  const client = useQueryClient();
  const guarded = useStepUp();
  const list = useQuery({
    queryKey: passkeysKey,
    queryFn: getJson<{ passkeys: Passkey[] }>('/api/account/passkeys'),
  });
  const [name, setName] = useState('');
  const [codes, setCodes] = useState<string[] | null>(null);
  const [message, setMessage] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);
  const refresh = () =>
    Promise.all([
      client.invalidateQueries({ queryKey: passkeysKey }),
      client.invalidateQueries({ queryKey: accountKey }),
      client.invalidateQueries({ queryKey: sessionKey }),
    ]);
  const fail = (error: unknown) =>
    setMessage({
      kind: 'error',
      text: isPasskeyCancel(error) ? t('passkeys.cancelled') : errorMessage(t, lang, error),
    });

  const add = async (event: FormEvent) => {
    event.preventDefault();
    setMessage(null);
    try {
      const added = await guarded(() => registerPasskey(name || t('passkeys.defaultName')));
      setName('');
      if (added.recoveryCodes) setCodes(added.recoveryCodes);
      setMessage({ kind: 'success', text: t('passkeys.added') });
      await refresh();
    } catch (error) {
      fail(error);
    }
  };

  return (
    <section className="card section" aria-labelledby="passkeys-title">
      <h2 id="passkeys-title">{t('passkeys.title')}</h2>
      <p>{t('passkeys.intro')}</p>
      {message && <Notice kind={message.kind}>{message.text}</Notice>}
      {codes && (
        <>
          <RecoveryCodes codes={codes} />
          <button type="button" className="button" onClick={() => setCodes(null)}>
            {t('recoveryCodes.saved')}
          </button>
        </>
      )}
      {list.isPending && <Loading />}
      {list.isError && <LoadFailed error={list.error} retry={() => void list.refetch()} />}
      {list.data && list.data.passkeys.length === 0 && <p>{t('passkeys.none')}</p>}
      {list.data && list.data.passkeys.length > 0 && (
        <ul className="item-list">
          {list.data.passkeys.map((passkey) => (
            <PasskeyItem
              key={passkey.id}
              passkey={passkey}
              lang={lang}
              onChanged={(text) => {
                setMessage({ kind: 'success', text });
                void refresh();
              }}
              onError={fail}
            />
          ))}
        </ul>
      )}
      <form className="form" noValidate onSubmit={add}>
        <TextField
          id="passkey-new-name"
          label={t('passkeys.name')}
          hint={t('passkeys.nameHint')}
          autoComplete="off"
          maxLength={60}
          value={name}
          onValue={setName}
        />
        <button type="submit" className="button">
          {t('passkeys.add')}
        </button>
      </form>
    </section>
  );
}

interface ItemProps {
  passkey: Passkey;
  lang: string;
  onChanged: (message: string) => void;
  onError: (error: unknown) => void;
}

function PasskeyItem({ passkey, lang, onChanged, onError }: ItemProps) {
  const { t } = useTranslation();
  const guarded = useStepUp();
  const [mode, setMode] = useState<'view' | 'rename' | 'remove'>('view');
  const [name, setName] = useState(passkey.name);
  const path = `/api/account/passkeys/${encodeURIComponent(passkey.id)}`;

  const rename = async (event: FormEvent) => {
    event.preventDefault();
    if (!name.trim()) return;
    try {
      await api(path, { method: 'PATCH', json: { name: name.trim() } });
      setMode('view');
      onChanged(t('passkeys.renamed'));
    } catch (error) {
      onError(error);
    }
  };
  const remove = async () => {
    try {
      await guarded(() => api(path, { method: 'DELETE' }));
      onChanged(t('passkeys.removed', { name: passkey.name }));
    } catch (error) {
      onError(error);
      setMode('view');
    }
  };

  return (
    <li className="item">
      <div className="item__main">
        <strong>{passkey.name}</strong>
        <span className="item__meta">
          {t('passkeys.addedOn', { date: dateTime(lang, passkey.createdAt) })}
          {' · '}
          {passkey.lastUsedAt
            ? t('passkeys.lastUsed', { date: dateTime(lang, passkey.lastUsedAt) })
            : t('passkeys.neverUsed')}
        </span>
      </div>
      {mode === 'view' && (
        <div className="button-row">
          <button
            type="button"
            className="button button--secondary"
            onClick={() => setMode('rename')}
          >
            {t('passkeys.rename')}
            <span className="visually-hidden"> {passkey.name}</span>
          </button>
          <button
            type="button"
            className="button button--secondary"
            onClick={() => setMode('remove')}
          >
            {t('passkeys.remove')}
            <span className="visually-hidden"> {passkey.name}</span>
          </button>
        </div>
      )}
      {mode === 'rename' && (
        <form className="form form--inline" noValidate onSubmit={rename}>
          <TextField
            id={`passkey-name-${passkey.id}`}
            label={t('passkeys.newName')}
            autoComplete="off"
            maxLength={60}
            value={name}
            onValue={setName}
          />
          <div className="button-row">
            <button type="submit" className="button">
              {t('common.save')}
            </button>
            <button
              type="button"
              className="button button--secondary"
              onClick={() => setMode('view')}
            >
              {t('common.cancel')}
            </button>
          </div>
        </form>
      )}
      {mode === 'remove' && (
        <div className="confirm">
          <p>{t('passkeys.removeQuestion', { name: passkey.name })}</p>
          <div className="button-row">
            <button type="button" className="button button--danger" onClick={() => void remove()}>
              {t('passkeys.removeConfirm')}
            </button>
            <button
              type="button"
              className="button button--secondary"
              onClick={() => setMode('view')}
            >
              {t('common.cancel')}
            </button>
          </div>
        </div>
      )}
    </li>
  );
}
