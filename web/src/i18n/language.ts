// Which language to start in. Kept free of DOM access so it can be unit tested.

export const languages = ['en', 'es'] as const;
export type Language = (typeof languages)[number];

export const storageKey = 'portal.lang';

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (languages as readonly string[]).includes(value);
}

/** The saved choice wins; otherwise the first browser language we support; else English. */
export function pickLanguage(saved: string | null, browserLanguages: readonly string[]): Language {
  if (isLanguage(saved)) return saved;
  for (const tag of browserLanguages) {
    const base = tag.toLowerCase().split('-')[0];
    if (isLanguage(base)) return base;
  }
  return 'en';
}
