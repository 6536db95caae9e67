import { describe, expect, it } from 'vitest';
import { englishTranslator as en } from '../i18n/english';
import { loadTranslator } from '../i18n/catalogues';
import { LOCALES } from '../i18n/locales';
import { CEFR_LEVELS, isCefr, levelLine, levelsFor } from './levels';

describe('levels sent with the languages learnt', () => {
  it('keeps a level only for a language learnt, in the order of learns', () => {
    expect(levelsFor(['de', 'es'], { es: 'B1', de: 'A2', fr: 'C1' })).toEqual({
      de: 'A2',
      es: 'B1',
    });
    expect(Object.keys(levelsFor(['de', 'es'], { es: 'B1', de: 'A2' }))).toEqual(['de', 'es']);
  });

  it('leaves out a language learnt without a level, and anything that is not a level', () => {
    expect(levelsFor(['es', 'ja'], { es: '', ja: 'b1' })).toEqual({});
    expect(levelsFor([], { es: 'B1' })).toEqual({});
  });

  it('knows exactly the six CEFR levels', () => {
    expect(CEFR_LEVELS).toEqual(['A1', 'A2', 'B1', 'B2', 'C1', 'C2']);
    expect(CEFR_LEVELS.every(isCefr)).toBe(true);
    for (const odd of ['', 'a1', 'B3', 'C', null, 1]) expect(isCefr(odd)).toBe(false);
  });
});

describe('what each level says', () => {
  it('describes each level in one line of its own', () => {
    expect(levelLine(en, 'A1')).toBe('A1 — I know a few words and phrases');
    expect(levelLine(en, 'C2')).toBe('C2 — I understand virtually everything');
    expect(new Set(CEFR_LEVELS.map((l) => levelLine(en, l))).size).toBe(6);
  });

  it.each(LOCALES.filter((l) => l !== 'en'))(
    'is translated in %s, not left in English',
    async (locale) => {
      const tr = await loadTranslator(locale);
      for (const level of CEFR_LEVELS) {
        const line = levelLine(tr, level);
        expect(line.startsWith(level)).toBe(true);
        expect(line).not.toBe(levelLine(en, level));
      }
    },
  );
});
