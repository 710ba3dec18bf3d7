import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { useSession } from '../auth/session.ts';
import { changeLanguage } from '../i18n/index.ts';
import { type Language, languages } from '../i18n/language.ts';

// One toggle button per language, each named in its own language (lang attr),
// so a reader of either language can find theirs; aria-pressed marks the current one.
// Signed in, the choice is also saved to the account (mails follow it).
export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  const session = useSession();
  const client = useQueryClient();
  const choose = async (lang: Language) => {
    await changeLanguage(lang);
    if (!session.data?.signedIn || !session.data.complete) return;
    await api('/api/account', { method: 'PATCH', json: { language: lang } }).catch(() => undefined);
    await client.invalidateQueries({ queryKey: ['account'] });
  };
  return (
    <fieldset className="language-switch">
      <legend className="visually-hidden">{t('language.label')}</legend>
      {languages.map((lang) => (
        <button
          key={lang}
          type="button"
          lang={lang}
          aria-pressed={i18n.resolvedLanguage === lang}
          onClick={() => void choose(lang)}
        >
          {t(`language.${lang}`)}
        </button>
      ))}
    </fieldset>
  );
}
