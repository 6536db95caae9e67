import { describe, expect, it } from 'vitest';
import { isMac, shortcutKeys, shortcutOf } from './shortcuts';

const key = (
  k: string,
  mods: Partial<Record<'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey', boolean>> = {},
) => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  shiftKey: false,
  ...mods,
});

describe('call shortcuts', () => {
  it('maps Ctrl+D to the microphone and Ctrl+E to the camera off macOS', () => {
    expect(shortcutOf(key('d', { ctrlKey: true }), false)).toBe('mic');
    expect(shortcutOf(key('E', { ctrlKey: true }), false)).toBe('camera');
  });

  it('uses Cmd on macOS and ignores Ctrl there', () => {
    expect(shortcutOf(key('d', { metaKey: true }), true)).toBe('mic');
    expect(shortcutOf(key('d', { ctrlKey: true }), true)).toBeNull();
  });

  it('ignores plain letters, other letters and extra modifiers', () => {
    expect(shortcutOf(key('d'), false)).toBeNull();
    expect(shortcutOf(key('x', { ctrlKey: true }), false)).toBeNull();
    expect(shortcutOf(key('d', { ctrlKey: true, shiftKey: true }), false)).toBeNull();
  });

  it('writes the keys for the title', () => {
    expect(shortcutKeys('mic', false)).toBe('Ctrl+D');
    expect(shortcutKeys('camera', true)).toBe('⌘E');
    expect(isMac('MacIntel')).toBe(true);
    expect(isMac('Linux x86_64')).toBe(false);
  });
});
