// Never miss a match or an invite: what to tell someone whose tab is hidden. Pure; the hook in
// app/useAttention.ts shows it (title, chime, system notification).

import type { AppState } from '../state/types';

export const BASE_TITLE = 'Parley';

export interface Alert {
  /** Stable per event, so one invite or match alerts once (also across re-renders). */
  key: string;
  title: string;
  body: string;
}

/** A new incoming invite or a conversation that just started, else null. */
export function alertFor(prev: AppState, next: AppState): Alert | null {
  if (
    next.phase === 'in-call' &&
    next.session &&
    prev.session?.sessionId !== next.session.sessionId
  ) {
    const who = next.session.partner?.name;
    return {
      key: `session:${next.session.sessionId}`,
      title: `▶ Your conversation started — ${BASE_TITLE}`,
      body: who ? `You are paired with ${who}. Come back to talk.` : 'Come back to talk.',
    };
  }
  const known = new Set(prev.incoming.map((i) => i.inviteId));
  const fresh = next.incoming.find((i) => !known.has(i.inviteId));
  if (fresh) {
    const who = fresh.from.name || 'Someone';
    return {
      key: `invite:${fresh.inviteId}`,
      title: `(${next.incoming.length}) ${who} invites you — ${BASE_TITLE}`,
      body: `${who} would like to talk with you. Answer within a minute.`,
    };
  }
  return null;
}
