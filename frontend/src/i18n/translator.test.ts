import { describe, expect, it } from 'vitest';
import { loadTranslator } from './catalogues';
import { englishTranslator as en } from './english';

describe('what Intl says for the screens', () => {
  it("names languages in the person's language, Brazilian Portuguese included", async () => {
    expect(en.languages(['en', 'pt-BR'])).toBe('English and Brazilian Portuguese');
    expect(en.languages([])).toBe('—');
    const de = await loadTranslator('de');
    expect(de.language('es')).toBe('Spanisch');
  });

  it('counts with each language’s plural rules', async () => {
    const ar = await loadTranslator('ar');
    const ja = await loadTranslator('ja');
    expect(en.t('common.minutes', { count: 1 })).toBe('1 minute');
    expect(en.t('common.minutes', { count: 4 })).toBe('4 minutes');
    expect(ar.t('common.minutes', { count: 2 })).toBe('دقيقتان');
    expect(ar.t('common.minutes', { count: 5 })).toBe('5 دقائق');
    expect(ja.t('common.minutes', { count: 5 })).toBe('5分');
  });

  it('loads a catalogue once and knows which way it is written', async () => {
    const first = await loadTranslator('ar');
    expect(await loadTranslator('ar')).toBe(first);
    expect(first.dir).toBe('rtl');
    expect(en.dir).toBe('ltr');
  });
});
