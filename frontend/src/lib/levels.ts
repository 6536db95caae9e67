// Self-rated CEFR levels (docs/api.md, "Levels"): one per language learnt, and the lowest level
// of learners a person welcomes in the languages they speak. Pure: Settings keeps the choices,
// these say what is sent and how a level reads.

import type { Cefr, Levels } from '../api/types';
import type { Translator } from '../i18n/translator';

export const CEFR_LEVELS: readonly Cefr[] = ['A1', 'A2', 'B1', 'B2', 'C1', 'C2'];

/** Whether `value` (a select's value, a stored string) is a level. */
export function isCefr(value: unknown): value is Cefr {
  return CEFR_LEVELS.some((level) => level === value);
}

/**
 * The levels to send with `learns`: only languages learnt, in that order. A level chosen for a
 * language since unticked is not sent (the server would refuse it), and is dropped with it.
 */
export function levelsFor(learns: readonly string[], levels: Readonly<Record<string, unknown>>) {
  const out: Levels = {};
  for (const code of learns) {
    const level = levels[code];
    if (isCefr(level)) out[code] = level;
  }
  return out;
}

/** "B1 — I can talk about familiar topics, with some effort", in the person's language. */
export function levelLine(tr: Translator, level: Cefr): string {
  return tr.t('levels.option', {
    level,
    description: tr.t(`levels.${level}`),
  });
}
