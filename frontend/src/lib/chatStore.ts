// The call's chat survives a reload of the page within the session: kept in sessionStorage
// (this tab only, gone when it closes), keyed by session id, at most the last 100 lines.

export interface ChatLine {
  id: number;
  fromMe: boolean;
  text: string;
}

const PREFIX = 'parley.chat.';
export const KEEP = 100;

type Store = Pick<Storage, 'getItem' | 'setItem' | 'removeItem' | 'key' | 'length'>;

function tabStorage(): Store | null {
  try {
    return typeof sessionStorage === 'undefined' ? null : sessionStorage;
  } catch {
    return null;
  }
}

export function loadChat(sessionId: string, storage: Store | null = tabStorage()): ChatLine[] {
  try {
    const raw = JSON.parse(storage?.getItem(PREFIX + sessionId) ?? '[]') as unknown;
    if (!Array.isArray(raw)) return [];
    return raw
      .filter(
        (l): l is ChatLine =>
          typeof l === 'object' &&
          l !== null &&
          typeof (l as ChatLine).id === 'number' &&
          typeof (l as ChatLine).text === 'string' &&
          typeof (l as ChatLine).fromMe === 'boolean',
      )
      .slice(-KEEP);
  } catch {
    return [];
  }
}

/** Saves this session's lines and forgets other sessions' (one conversation at a time). */
export function saveChat(
  sessionId: string,
  lines: ChatLine[],
  storage: Store | null = tabStorage(),
): void {
  if (!storage) return;
  try {
    for (let i = storage.length - 1; i >= 0; i--) {
      const key = storage.key(i);
      if (key?.startsWith(PREFIX) && key !== PREFIX + sessionId) storage.removeItem(key);
    }
    storage.setItem(PREFIX + sessionId, JSON.stringify(lines.slice(-KEEP)));
  } catch {
    // A full quota only means the chat is not kept across a reload.
  }
}
