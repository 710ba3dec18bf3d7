// Type-checks translation keys: t('clinics.heading') compiles, a typo does not.
import 'i18next';
import type { resources } from './resources.ts';

declare module 'i18next' {
  interface CustomTypeOptions {
    resources: { translation: typeof resources.en };
  }
}
