// Why a call is shorter than a full session: it lasts the smaller of the two people's minutes
// left today, and the server says whose (`limitedBy`, docs/api.md). Pure text for the screens.

import type { LimitedBy } from '../api/types';
import type { Translator } from '../i18n/translator';

export interface LengthLimit {
  by: LimitedBy;
  /** The session's length, which is the limiting person's minutes left. */
  minutes: number;
}

/** Whole minutes between the server's `startsAt` and `endsAt` (at least 1). */
export function sessionMinutes(startsAt: string, endsAt: string): number {
  const ms = Date.parse(endsAt) - Date.parse(startsAt);
  return Number.isNaN(ms) ? 1 : Math.max(1, Math.round(ms / 60_000));
}

/** The limit of a session, or null when it has its full length (no `limitedBy`). */
export function limitOf(session: {
  startsAt: string;
  endsAt: string;
  limitedBy?: LimitedBy | null;
}): LengthLimit | null {
  if (!session.limitedBy) return null;
  return { by: session.limitedBy, minutes: sessionMinutes(session.startsAt, session.endsAt) };
}

/** "Bob has 4 minutes left today, so this call lasts 4 minutes." */
export function whyShorter(
  tr: Translator,
  limit: LengthLimit | null,
  partnerName?: string | null,
): string | null {
  if (!limit) return null;
  const values = { minutes: limit.minutes, name: partnerName || tr.t('common.yourPartner') };
  const key = (
    { me: 'length.nowMe', partner: 'length.nowPartner', both: 'length.nowBoth' } as const
  )[limit.by];
  return tr.t(key, values);
}

/** On the summary, after a call that ran to its end: why it was not longer. */
export function whyItWasShort(
  tr: Translator,
  limit: LengthLimit | null,
  reason: string | null | undefined,
  partnerName?: string | null,
): string | null {
  if (!limit || reason !== 'time_up') return null;
  const values = { minutes: limit.minutes, name: partnerName || tr.t('common.yourPartnerLower') };
  const key = (
    { me: 'length.wasMe', partner: 'length.wasPartner', both: 'length.wasBoth' } as const
  )[limit.by];
  return tr.t(key, values);
}

/**
 * While waiting: my minutes for this call are what the ledger holds for my ticket. Fewer than
 * a full session means a shorter call, whoever the partner is.
 */
export function waitingLimitText(
  tr: Translator,
  held: number | undefined,
  sessionMinutes?: number,
): string | null {
  if (!held || !sessionMinutes || held >= sessionMinutes) return null;
  return tr.t('length.waiting', { minutes: held });
}
