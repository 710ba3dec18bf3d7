import { useTranslation } from 'react-i18next';
import { usePageTitle } from '../shell/usePageTitle.ts';
import { ClinicsSection } from './ClinicsSection.tsx';

export function LandingPage() {
  const { t } = useTranslation();
  usePageTitle();
  return (
    <>
      <div className="hero">
        <h1>{t('landing.title')}</h1>
        <p className="lead">{t('landing.intro')}</p>
      </div>
      <ClinicsSection />
    </>
  );
}
