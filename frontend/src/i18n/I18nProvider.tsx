import { useCallback, useMemo, useState, type ReactNode } from 'react';
import { loadTranslator } from './catalogues';
import { I18nContext } from './context';
import { applyToDocument, storeChoice, type Locale } from './locales';
import type { Translator } from './translator';

/** Holds the current language for every screen; `initial` is already loaded. */
export function I18nProvider({ initial, children }: { initial: Translator; children: ReactNode }) {
  const [tr, setTr] = useState(initial);
  const choose = useCallback(async (locale: Locale) => {
    const next = await loadTranslator(locale);
    storeChoice(locale);
    applyToDocument(locale);
    setTr(next);
  }, []);
  const value = useMemo(() => ({ tr, choose }), [tr, choose]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}
