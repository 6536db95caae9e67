import { describe, expect, it } from 'vitest';
import { directionOf, initialLocale, negotiate, ownName, storeChoice } from './locales';

function memoryStorage() {
  const data = new Map<string, string>();
  return {
    getItem: (k: string) => data.get(k) ?? null,
    setItem: (k: string, v: string) => void data.set(k, v),
    removeItem: (k: string) => void data.delete(k),
  };
}

describe('which language the screens speak', () => {
  it("takes the first of the browser's languages that Parley speaks", () => {
    expect(negotiate(['fr-FR', 'de-DE', 'en'])).toBe('de');
    expect(negotiate(['ja'])).toBe('ja');
    expect(negotiate(['ar-EG'])).toBe('ar');
  });

  it('matches Brazilian Portuguese exactly, and other Portuguese to it', () => {
    expect(negotiate(['pt-BR'])).toBe('pt-BR');
    expect(negotiate(['pt-br'])).toBe('pt-BR');
    expect(negotiate(['pt-PT'])).toBe('pt-BR');
    expect(negotiate(['es-MX'])).toBe('es');
  });

  it('falls back to English', () => {
    expect(negotiate(['fr', 'it'])).toBe('en');
    expect(negotiate([])).toBe('en');
    expect(negotiate(undefined)).toBe('en');
  });

  it('prefers what was chosen in settings over the browser', () => {
    const storage = memoryStorage();
    expect(initialLocale(storage, ['de'])).toBe('de');
    storeChoice('ja', storage);
    expect(initialLocale(storage, ['de'])).toBe('ja');
    storeChoice(null, storage);
    expect(initialLocale(storage, ['de'])).toBe('de');
  });

  it('ignores a remembered value it does not know', () => {
    const storage = memoryStorage();
    storage.setItem('parley.uiLanguage', 'xx');
    expect(initialLocale(storage, ['es'])).toBe('es');
  });

  it('writes Arabic right to left and the others left to right', () => {
    expect(directionOf('ar')).toBe('rtl');
    expect(directionOf('ja')).toBe('ltr');
    expect(directionOf('pt-BR')).toBe('ltr');
  });

  it('names each language in its own words', () => {
    expect(ownName('de')).toBe('Deutsch');
    expect(ownName('ja')).toBe('日本語');
    expect(ownName('ar')).toBe('العربية');
    expect(ownName('pt-BR')).toMatch(/^português/i);
  });
});
