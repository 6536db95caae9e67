// The call's keyboard shortcuts: Ctrl+D mutes, Ctrl+E turns the camera off (Cmd on macOS), as
// in the video tools people already know. Pure, so the key handling is tested without a DOM.

export type Shortcut = 'mic' | 'camera';

const KEYS: Record<string, Shortcut> = { d: 'mic', e: 'camera' };

export function isMac(platform: string): boolean {
  return /mac|iphone|ipad|ipod/i.test(platform);
}

/** The shortcut a keydown means, or null (other keys, or other modifiers held too). */
export function shortcutOf(
  e: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey'>,
  mac: boolean,
): Shortcut | null {
  const primary = mac ? e.metaKey && !e.ctrlKey : e.ctrlKey && !e.metaKey;
  if (!primary || e.altKey || e.shiftKey) return null;
  return KEYS[e.key.toLowerCase()] ?? null;
}

/** How the keys are written in a button's title: "Ctrl+D", or "⌘D" on macOS. */
export function shortcutKeys(shortcut: Shortcut, mac: boolean): string {
  const letter = shortcut === 'mic' ? 'D' : 'E';
  return mac ? `⌘${letter}` : `Ctrl+${letter}`;
}
