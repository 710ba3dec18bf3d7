// Type-checks translation keys: t('clinics.heading') compiles, a typo does not.
import 'i18next';
import type en from './locales/en.json';

declare module 'i18next' {
  interface CustomTypeOptions {
    resources: { translation: typeof en };
  }
}
