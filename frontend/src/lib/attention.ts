// Never miss a match or an invite: what to tell someone whose tab is hidden. Pure; the hook in
// app/useAttention.ts shows it (title, chime, system notification).

import type { Translator } from '../i18n/translator';
import type { AppState } from '../state/types';

export const BASE_TITLE = 'Parley';

export interface Alert {
  /** Stable per event, so one invite or match alerts once (also across re-renders). */
  key: string;
  /** What the tab's title says (followed by " — Parley"); also the notification's title. */
  title: string;
  body: string;
}

/** A new incoming invite or a conversation that just started, else null. */
export function alertFor(tr: Translator, prev: AppState, next: AppState): Alert | null {
  if (
    next.phase === 'in-call' &&
    next.session &&
    prev.session?.sessionId !== next.session.sessionId
  ) {
    const who = next.session.partner?.name;
    return {
      key: `session:${next.session.sessionId}`,
      title: tr.t('alert.started'),
      body: who ? tr.t('alert.pairedWith', { name: who }) : tr.t('alert.comeBack'),
    };
  }
  const known = new Set(prev.incoming.map((i) => i.inviteId));
  const fresh = next.incoming.find((i) => !known.has(i.inviteId));
  if (fresh) {
    const who = fresh.from.name || tr.t('common.someone');
    return {
      key: `invite:${fresh.inviteId}`,
      title: tr.t('alert.invites', { count: next.incoming.length, name: who }),
      body: tr.t('alert.inviteBody', { name: who }),
    };
  }
  return null;
}
