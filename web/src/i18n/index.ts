import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { type Language, languages, pickLanguage, storageKey } from './language.ts';
import { resources } from './resources.ts';

// localStorage throws in some privacy modes; the portal must still work there.
function readSaved(): string | null {
  try {
    return localStorage.getItem(storageKey);
  } catch {
    return null;
  }
}

function save(lang: Language): void {
  try {
    localStorage.setItem(storageKey, lang);
  } catch {
    // Not saved: the choice lasts until the page is reloaded.
  }
}

const initial = pickLanguage(readSaved(), navigator.languages ?? [navigator.language]);

// Screen readers pick their voice from <html lang>, so keep it in step.
i18next.on('languageChanged', (lang) => {
  document.documentElement.lang = lang;
});

// Resources are bundled, so init finishes synchronously (initAsync: false).
void i18next.use(initReactI18next).init({
  resources: { en: { translation: resources.en }, es: { translation: resources.es } },
  lng: initial,
  fallbackLng: 'en',
  supportedLngs: [...languages],
  // React escapes output already; escaping twice would show "&amp;".
  interpolation: { escapeValue: false },
  initAsync: false,
});

export async function changeLanguage(lang: Language): Promise<void> {
  save(lang);
  await i18next.changeLanguage(lang);
}

export default i18next;
