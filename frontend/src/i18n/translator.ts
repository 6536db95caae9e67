// Everything a screen says, in one language: catalogue messages (ICU MessageFormat, compiled at
// build time, formatted by icu-minify's small runtime) and what the browser's Intl knows how to
// say itself: language names, lists, numbers with units, durations, relative times, dates.

import format, { type CompiledMessage, type FormatOptions } from 'icu-minify/format';
import { createElement, Fragment, type ReactNode } from 'react';
import type English from './messages/en.json';
import { directionOf, type Locale } from './locales';

export type MessageKey = keyof typeof English;
export type Catalogue = Record<MessageKey, CompiledMessage>;
export type Values = Record<string, string | number>;
export type RichValues = Record<string, string | number | ((chunks: ReactNode[]) => ReactNode)>;

export interface Translator {
  readonly locale: Locale;
  readonly dir: 'ltr' | 'rtl';
  /** A message as plain text. */
  t(key: MessageKey, values?: Values): string;
  /** A message with tags (`<b>…</b>`) rendered by the functions given for them. */
  rich(key: MessageKey, values: RichValues): ReactNode;
  /** A language's name in this language ("pt-BR" → "Brazilian Portuguese"). */
  language(code: string): string;
  /** "English and Spanish", or "—" for none. */
  languages(codes: readonly string[] | undefined): string;
  /** "12 min", "3 s". */
  unit(value: number, unit: 'second' | 'minute' | 'hour'): string;
  /** "5 hr, 12 min", "less than a minute"; started minutes count as whole ones. */
  duration(seconds: number): string;
  /** "in 12 minutes", "in 5 hr, 12 min", or "now" once `seconds` is 0. */
  relative(seconds: number): string;
  /** The local wall-clock time of a server timestamp ("01:00"). */
  time(iso: string): string;
  /** "Mon, 3 Feb, 14:05". */
  dateTime(iso: string): string;
}

const cache = new Map<string, unknown>();
function memo<T>(kind: string, args: unknown[], make: () => T): T {
  const key = kind + JSON.stringify(args);
  let value = cache.get(key) as T | undefined;
  if (value === undefined) {
    value = make();
    cache.set(key, value);
  }
  return value;
}

const OPTIONS: FormatOptions = {
  formatters: {
    getNumberFormat: (...a) => memo('n', a, () => new Intl.NumberFormat(...a)),
    getDateTimeFormat: (...a) => memo('d', a, () => new Intl.DateTimeFormat(...a)),
    getPluralRules: (...a) => memo('p', a, () => new Intl.PluralRules(...a)),
  },
};

// Intl.DurationFormat is newer than the TypeScript lib this project targets.
type DurationFormatCtor = new (
  locale: string,
  options: { style: 'short' },
) => { format(d: { hours?: number; minutes?: number }): string };
const DurationFormat = (Intl as unknown as { DurationFormat?: DurationFormatCtor }).DurationFormat;

function whole(seconds: number): number {
  return Math.max(0, Math.floor(Number.isFinite(seconds) ? seconds : 0));
}

export function createTranslator(
  locale: Locale,
  messages: Partial<Catalogue>,
  fallback: Partial<Catalogue> = messages,
): Translator {
  const run = (key: MessageKey, values: RichValues) => {
    const own = messages[key];
    try {
      if (own !== undefined) return format<ReactNode>(own, locale, values, OPTIONS);
    } catch {
      // a broken translation: the fallback's words are better than none
    }
    const spare = fallback[key];
    return spare === undefined ? key : format<ReactNode>(spare, 'en', values, OPTIONS);
  };
  const names = () =>
    memo('l', [locale], () => {
      try {
        return new Intl.DisplayNames([locale], { type: 'language' });
      } catch {
        return null;
      }
    });
  const unit = (value: number, u: 'second' | 'minute' | 'hour') =>
    memo(
      'n',
      [locale, u],
      () => new Intl.NumberFormat(locale, { style: 'unit', unit: u, unitDisplay: 'short' }),
    ).format(value);
  const tr: Translator = {
    locale,
    dir: directionOf(locale),
    t(key, values = {}) {
      const out = run(key, values);
      return Array.isArray(out) ? out.filter((p) => typeof p === 'string').join('') : String(out);
    },
    rich(key, values) {
      const out = run(key, values);
      return Array.isArray(out) ? createElement(Fragment, null, ...(out as ReactNode[])) : out;
    },
    language(code) {
      try {
        return names()?.of(code) ?? code;
      } catch {
        return code;
      }
    },
    languages(codes) {
      if (!codes || codes.length === 0) return '—';
      const list = memo('f', [locale], () => new Intl.ListFormat(locale, { type: 'conjunction' }));
      return list.format(codes.map((c) => tr.language(c)));
    },
    unit,
    duration(seconds) {
      const s = whole(seconds);
      if (s < 60) return tr.t('time.lessThanMinute');
      const total = Math.ceil(s / 60);
      const hours = Math.floor(total / 60);
      const minutes = total % 60;
      if (DurationFormat) {
        return new DurationFormat(locale, { style: 'short' }).format({ hours, minutes });
      }
      const parts = [hours && unit(hours, 'hour'), minutes && unit(minutes, 'minute')];
      return new Intl.ListFormat(locale, { type: 'unit', style: 'short' }).format(
        parts.filter((p): p is string => !!p),
      );
    },
    relative(seconds) {
      const s = whole(seconds);
      if (s === 0) return tr.t('time.now');
      if (s < 60) return tr.t('time.inUnderMinute');
      const total = Math.ceil(s / 60);
      const rtf = memo('r', [locale], () => new Intl.RelativeTimeFormat(locale));
      if (total < 60) return rtf.format(total, 'minute');
      if (total % 60 === 0) return rtf.format(total / 60, 'hour');
      return tr.t('time.inDuration', { duration: tr.duration(s) });
    },
    time(iso) {
      const at = Date.parse(iso);
      if (Number.isNaN(at)) return '';
      return new Date(at).toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });
    },
    dateTime(iso) {
      const at = Date.parse(iso);
      if (Number.isNaN(at)) return '';
      return new Date(at).toLocaleString(locale, {
        weekday: 'short',
        day: 'numeric',
        month: 'short',
        hour: '2-digit',
        minute: '2-digit',
      });
    },
  };
  return tr;
}
