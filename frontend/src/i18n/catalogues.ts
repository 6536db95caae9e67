// Every language, English included, is a chunk of its own, fetched only by someone who reads
// it: the first screen's script stays small however many languages and sentences there are.
// The catalogue test (catalogues.test.ts) keeps each one complete, so none needs another.

import type { Locale } from './locales';
import { createTranslator, type Catalogue, type Translator } from './translator';

type Load = () => Promise<{ default: unknown }>;
const LOADERS: Record<Locale, Load> = {
  en: () => import('virtual:messages/en'),
  es: () => import('virtual:messages/es'),
  de: () => import('virtual:messages/de'),
  ja: () => import('virtual:messages/ja'),
  'pt-BR': () => import('virtual:messages/pt-BR'),
  ar: () => import('virtual:messages/ar'),
};

const loaded = new Map<Locale, Promise<Translator>>();

/** The translator for `locale`, its catalogue fetched on first use (a failed fetch is retried). */
export function loadTranslator(locale: Locale): Promise<Translator> {
  let pending = loaded.get(locale);
  if (!pending) {
    pending = LOADERS[locale]().then(({ default: messages }) =>
      createTranslator(locale, messages as Partial<Catalogue>),
    );
    pending.catch(() => loaded.delete(locale));
    loaded.set(locale, pending);
  }
  return pending;
}
