// Pure time arithmetic for what the screens show. The server owns every deadline; these
// functions only turn a server timestamp into what a person reads.

import type { Translator } from '../i18n/translator';

/** The countdown turns into a warning this many seconds before the end. */
export const WARNING_SECONDS = 60;

/**
 * Whole seconds left until `endsAtIso`, as the server sees it: `offsetMs` is the server's
 * clock minus this device's. Never negative; rounds up so "0:00" means really over.
 */
export function remainingSeconds(endsAtIso: string, localNowMs: number, offsetMs = 0): number {
  const endsAt = Date.parse(endsAtIso);
  if (Number.isNaN(endsAt)) return 0;
  const serverNow = localNowMs + offsetMs;
  return Math.max(0, Math.ceil((endsAt - serverNow) / 1000));
}

/** Whole seconds since `sinceIso` (server time), never negative. */
export function elapsedSeconds(sinceIso: string, localNowMs: number, offsetMs = 0): number {
  const since = Date.parse(sinceIso);
  if (Number.isNaN(since)) return 0;
  return Math.max(0, Math.floor((localNowMs + offsetMs - since) / 1000));
}

/** True in the last minute, while time is still left. */
export function isWarning(seconds: number): boolean {
  return seconds > 0 && seconds <= WARNING_SECONDS;
}

/** 0 → "0:00", 75 → "1:15", 3600 → "60:00". Negative and fractional input is clamped. */
export function formatClock(seconds: number): string {
  const s = Math.max(0, Math.floor(Number.isFinite(seconds) ? seconds : 0));
  const minutes = Math.floor(s / 60);
  const rest = s % 60;
  return `${minutes}:${rest.toString().padStart(2, '0')}`;
}

/** "in 5 hr, 12 min" until `atIso` (server time), or "now" when it has passed. */
export function inWords(tr: Translator, atIso: string, localNowMs: number, offsetMs = 0): string {
  return tr.relative(remainingSeconds(atIso, localNowMs, offsetMs));
}
