import { describe, expect, it } from 'vitest';
import { KEEP, loadChat, saveChat } from './chatStore';

function memory() {
  const m = new Map<string, string>();
  return {
    m,
    getItem: (k: string) => m.get(k) ?? null,
    setItem: (k: string, v: string) => void m.set(k, v),
    removeItem: (k: string) => void m.delete(k),
    key: (i: number) => [...m.keys()][i] ?? null,
    get length() {
      return m.size;
    },
  };
}

describe('chat kept across a reload', () => {
  it('gives back the lines of the same session only', () => {
    const s = memory();
    saveChat('s1', [{ id: 1, fromMe: true, text: 'hola' }], s);
    expect(loadChat('s1', s)).toEqual([{ id: 1, fromMe: true, text: 'hola' }]);
    expect(loadChat('s2', s)).toEqual([]);
  });

  it("forgets an earlier session's chat when a new one is saved", () => {
    const s = memory();
    saveChat('s1', [{ id: 1, fromMe: true, text: 'old' }], s);
    saveChat('s2', [{ id: 1, fromMe: false, text: 'new' }], s);
    expect(loadChat('s1', s)).toEqual([]);
    expect(s.m.size).toBe(1);
  });

  it('keeps the last lines only and ignores garbage', () => {
    const s = memory();
    const many = Array.from({ length: KEEP + 5 }, (_, i) => ({
      id: i,
      fromMe: true,
      text: `${i}`,
    }));
    saveChat('s1', many, s);
    expect(loadChat('s1', s)).toHaveLength(KEEP);
    expect(loadChat('s1', s)[0]?.id).toBe(5);
    s.m.set('parley.chat.s1', '[{"id":"x"}, 3, null]');
    expect(loadChat('s1', s)).toEqual([]);
    s.m.set('parley.chat.s1', 'not json');
    expect(loadChat('s1', s)).toEqual([]);
  });
});
