import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSession } from '../auth/session.ts';
import { SelectField } from '../forms/SelectField.tsx';
import { useClinics } from '../public/clinics.ts';
import { Loading } from '../shell/Loading.tsx';
import { usePageTitle } from '../shell/usePageTitle.ts';
import { RefillSettingsPharmacies } from './RefillSettingsPharmacies.tsx';
import { RefillSettingsRules } from './RefillSettingsRules.tsx';
import { settingsClinics } from './refillSettings.ts';
import './visitTypes.css';

// A clinic's refill settings: the rules for asking online and the nurse
// protocol, saved together, then the pharmacies patients choose from.
// Group-wide admins pick the clinic first.
export function RefillSettingsPage() {
  const { t } = useTranslation();
  usePageTitle(t('refills.refillSettings.title'));
  const session = useSession();
  const clinics = useClinics();
  const mine = settingsClinics(session.data?.roles ?? [], clinics.data ?? []);
  const [chosen, setChosen] = useState('');
  const clinic = mine.find((c) => c.id === chosen) ?? mine[0];

  return (
    <>
      <h1>{t('refills.refillSettings.title')}</h1>
      <p>{t('refills.refillSettings.intro')}</p>
      {mine.length > 1 && (
        <form className="form" noValidate onSubmit={(e) => e.preventDefault()}>
          <SelectField
            id="refill-settings-clinic"
            label={t('refills.refillSettings.clinic')}
            value={clinic?.id ?? ''}
            onValue={setChosen}
            options={mine.map((c) => ({ value: c.id, label: c.name }))}
          />
        </form>
      )}
      {clinics.isPending && <Loading />}
      {clinics.data && mine.length === 0 && <p>{t('refills.refillSettings.noClinics')}</p>}
      {clinic && (
        <div className="sections">
          <RefillSettingsRules key={`rules-${clinic.id}`} clinic={clinic} />
          <RefillSettingsPharmacies key={`pharmacies-${clinic.id}`} clinic={clinic} />
        </div>
      )}
    </>
  );
}
