import { describe, expect, it } from 'vitest';
import { hashOf, viewOf } from './view';

describe('view from the address', () => {
  it('reads the page from the fragment, talk by default', () => {
    expect(viewOf('#/history')).toBe('history');
    expect(viewOf('#settings')).toBe('settings');
    expect(viewOf('#/words')).toBe('words');
    expect(viewOf('')).toBe('talk');
    expect(viewOf('#/nonsense')).toBe('talk');
  });

  it('round-trips', () => {
    for (const v of ['talk', 'history', 'settings', 'words'] as const)
      expect(viewOf(hashOf(v))).toBe(v);
  });
});
