import { createContext, useContext } from 'react';
import type { Locale } from './locales';
import type { Translator } from './translator';

export interface I18n {
  tr: Translator;
  /** Switch every screen to `locale` (its catalogue fetched first) and remember it here. */
  choose: (locale: Locale) => Promise<void>;
}

export const I18nContext = createContext<I18n | null>(null);

function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (!value) throw new Error('useT must be used inside <I18nProvider>');
  return value;
}

/** The translator for the person's language. */
export function useT(): Translator {
  return useI18n().tr;
}

/** The language in use and how to change it (Settings). */
export function useLanguage(): { locale: Locale; choose: (locale: Locale) => Promise<void> } {
  const { tr, choose } = useI18n();
  return { locale: tr.locale, choose };
}
