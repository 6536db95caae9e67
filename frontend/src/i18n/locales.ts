// The languages Parley's screens speak, which one a person gets, and which way it is written.

export const LOCALES = ['en', 'es', 'de', 'ja', 'pt-BR', 'ar'] as const;
export type Locale = (typeof LOCALES)[number];

export const DEFAULT_LOCALE: Locale = 'en';

const RTL = new Set<string>(['ar']);
const STORAGE_KEY = 'parley.uiLanguage';

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

export function directionOf(locale: Locale): 'ltr' | 'rtl' {
  return RTL.has(locale) ? 'rtl' : 'ltr';
}

/**
 * The first of the browser's languages Parley speaks: an exact tag first ("pt-BR"), else the
 * same language in another region ("es-MX" → es, "pt-PT" → pt-BR). English when none fits.
 */
export function negotiate(wanted: readonly string[] | undefined): Locale {
  for (const tag of wanted ?? []) {
    const lower = tag.toLowerCase();
    const exact = LOCALES.find((l) => l.toLowerCase() === lower);
    if (exact) return exact;
    const base = lower.split('-')[0];
    const sameLanguage = LOCALES.find((l) => l.toLowerCase().split('-')[0] === base);
    if (sameLanguage) return sameLanguage;
  }
  return DEFAULT_LOCALE;
}

type Store = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

function safeLocal(): Store | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

/** The language chosen in settings on this device, if any. */
export function storedChoice(storage: Store | null = safeLocal()): Locale | null {
  try {
    const value = storage?.getItem(STORAGE_KEY);
    return isLocale(value) ? value : null;
  } catch {
    return null;
  }
}

/** Remembers a choice; null goes back to following the browser. */
export function storeChoice(locale: Locale | null, storage: Store | null = safeLocal()): void {
  try {
    if (locale) storage?.setItem(STORAGE_KEY, locale);
    else storage?.removeItem(STORAGE_KEY);
  } catch {
    // Private mode or a full quota: the choice lasts until the page closes.
  }
}

/** What the screens start in: the remembered choice, else the browser's languages. */
export function initialLocale(
  storage: Store | null = safeLocal(),
  languages: readonly string[] | undefined = typeof navigator === 'undefined'
    ? undefined
    : navigator.languages,
): Locale {
  return storedChoice(storage) ?? negotiate(languages);
}

/** A language's name in that language itself ("Deutsch", "العربية"), for the picker. */
export function ownName(locale: Locale): string {
  try {
    return new Intl.DisplayNames([locale], { type: 'language' }).of(locale) ?? locale;
  } catch {
    return locale;
  }
}

/** `<html lang dir>`: screen readers, fonts, hyphenation and the mirrored layout follow it. */
export function applyToDocument(
  locale: Locale,
  doc: Document | undefined = globalThis.document,
): void {
  if (!doc) return;
  doc.documentElement.lang = locale;
  doc.documentElement.dir = directionOf(locale);
}
