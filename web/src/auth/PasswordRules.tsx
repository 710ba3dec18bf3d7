import { useTranslation } from 'react-i18next';

/** The password rules (NIST SP 800-63B), as a hint under a new-password field. */
export function PasswordRules() {
  const { t } = useTranslation();
  return (
    <>
      <span className="field__hint-line">{t('password.rulesLength')}</span>
      <span className="field__hint-line">{t('password.rulesAvoid')}</span>
      <span className="field__hint-line">{t('password.rulesTip')}</span>
    </>
  );
}
