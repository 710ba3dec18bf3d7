import { useTranslation } from 'react-i18next';
import { changeLanguage } from '../i18n/index.ts';
import { languages } from '../i18n/language.ts';

// One toggle button per language, each named in its own language (lang attr),
// so a reader of either language can find theirs; aria-pressed marks the current one.
export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  return (
    <fieldset className="language-switch">
      <legend className="visually-hidden">{t('language.label')}</legend>
      {languages.map((lang) => (
        <button
          key={lang}
          type="button"
          lang={lang}
          aria-pressed={i18n.resolvedLanguage === lang}
          onClick={() => void changeLanguage(lang)}
        >
          {t(`language.${lang}`)}
        </button>
      ))}
    </fieldset>
  );
}
