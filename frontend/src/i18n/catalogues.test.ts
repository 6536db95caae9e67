// Every language says everything English says, with the same placeholders, and nothing more:
// a new sentence cannot ship in one language only, and no translation can drop a {name}.

import compile from 'icu-minify/compile';
import type { CompiledMessage } from 'icu-minify/format';
import { describe, expect, it } from 'vitest';
import { LOCALES, type Locale } from './locales';
import { createTranslator, type Catalogue, type MessageKey } from './translator';

const files = import.meta.glob<Record<string, string>>('./messages/*.json', {
  eager: true,
  import: 'default',
});
const catalogue = (locale: string) => files[`./messages/${locale}.json`] ?? {};
const english = catalogue('en');

type Node = string | number | unknown[];

/** Every argument a message uses, with its kind ("name", "count:plural", "<b>"). */
function argumentsOf(message: CompiledMessage, plurals: Array<Record<string, unknown>> = []) {
  const found = new Set<string>();
  const walk = (nodes: Node[]) => {
    for (const node of nodes) {
      if (!Array.isArray(node)) continue; // text or the plural's #
      const [name, type, ...rest] = node as [string, Node?, ...Node[]];
      if (type === undefined) found.add(name);
      else if (typeof type === 'number' && type !== 0) {
        found.add(
          `${name}:${['', 'select', 'plural', 'selectordinal', 'number', 'date', 'time'][type]}`,
        );
        const options = rest[0];
        if (type <= 3 && options && typeof options === 'object') {
          if (type === 2) plurals.push(options as unknown as Record<string, unknown>);
          for (const branch of Object.values(options)) if (Array.isArray(branch)) walk(branch);
        }
      } else {
        found.add(`<${name}>`);
        walk([type, ...rest]);
      }
    }
  };
  if (Array.isArray(message)) walk(message as Node[]);
  return [...found].sort();
}

/** The plural categories whole numbers up to 200 fall into in this language. */
function categoriesUsed(locale: string): string[] {
  const rules = new Intl.PluralRules(locale);
  return [...new Set(Array.from({ length: 201 }, (_, n) => rules.select(n)))].sort();
}

describe('the catalogues', () => {
  it('are one file per language Parley offers, and no other', () => {
    expect(Object.keys(files).sort()).toEqual(LOCALES.map((l) => `./messages/${l}.json`).sort());
  });

  it.each(LOCALES.filter((l) => l !== 'en'))('%s has every English key and no extra one', (l) => {
    const keys = Object.keys(catalogue(l));
    const missing = Object.keys(english).filter((k) => !keys.includes(k));
    const extra = keys.filter((k) => !(k in english));
    expect({ missing, extra }).toEqual({ missing: [], extra: [] });
  });

  it.each(LOCALES)('%s keeps every placeholder, tag and plural of the English one', (l) => {
    const wrong: string[] = [];
    for (const [key, text] of Object.entries(catalogue(l))) {
      const source = english[key];
      if (source === undefined) continue;
      const mine = argumentsOf(compile(text));
      const theirs = argumentsOf(compile(source));
      if (JSON.stringify(mine) !== JSON.stringify(theirs)) {
        wrong.push(`${key}: ${mine.join(',')} ≠ ${theirs.join(',')}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it.each(LOCALES)("%s gives each plural every form the language's numbers need", (l) => {
    const needed = categoriesUsed(l);
    const wrong: string[] = [];
    for (const [key, text] of Object.entries(catalogue(l))) {
      const plurals: Array<Record<string, unknown>> = [];
      argumentsOf(compile(text), plurals);
      for (const options of plurals) {
        const lacking = needed.filter((c) => !(c in options));
        if (lacking.length > 0 || !('other' in options)) wrong.push(`${key}: ${lacking}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it.each(LOCALES)('%s formats every message without help from English', (l) => {
    const messages = Object.fromEntries(
      Object.entries(catalogue(l)).map(([k, v]) => [k, compile(v)]),
    ) as Catalogue;
    const broken = {} as Catalogue;
    const tr = createTranslator(l as Locale, messages, broken);
    const sample = { b: (c: unknown[]) => c.join('') } as const;
    for (const key of Object.keys(english) as MessageKey[]) {
      const values: Record<string, string | number> = {};
      for (const arg of argumentsOf(compile(english[key] ?? ''))) {
        const [name, kind] = arg.split(':');
        if (name && !name.startsWith('<')) values[name] = kind === 'plural' ? 3 : 'X';
      }
      const text = String(tr.rich(key, { ...values, ...sample }));
      expect(text, `${l} ${key}`).not.toBe(key);
      expect(text, `${l} ${key}`).not.toMatch(/[{}]/);
    }
  });
});
