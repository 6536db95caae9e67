// When the page re-reads `GET /v1/me` on a clock, and which answers end the sign-in.
//
// Everything that changes a person's state while they wait or talk reaches them on the socket:
// the match, the end of a call (a Stop, a block or a report by the partner, the partner's ban:
// each ends the call as a Stop, pushed to both), a cancelled ticket or invite (a suspension
// withdraws them), their own ban (`account.banned`, close code 4403) and their account deleted
// elsewhere (`account.deleted`). So while the socket is open nothing is re-read on a timer:
// a 10-minute conversation no longer pays 40 re-reads for news that comes by push.
//
// While the socket is not open, pushes can be missed, so the page falls back to re-reading
// every 30 s: the reconnect backoff's ceiling, so a long outage costs about one re-read per
// reconnect attempt and no more; each (re)connect re-reads too (the owner does that).

import { ApiError } from '../api/http';
import type { SocketEnd, SocketStatus } from '../api/ws';

export const FALLBACK_REREAD_MS = 30_000;

/** Whether the clock's re-read is due now: only while the socket cannot bring pushes. */
export function fallbackRereadDue(socket: SocketStatus): boolean {
  return socket !== 'open';
}

/** Re-read every `everyMs` while the socket is not open; returns the way to stop. */
export function startFallbackReread(
  socket: () => SocketStatus,
  reread: () => void,
  everyMs: number = FALLBACK_REREAD_MS,
): () => void {
  const timer = setInterval(() => {
    if (fallbackRereadDue(socket())) reread();
  }, everyMs);
  return () => clearInterval(timer);
}

/** How long to wait before asking again after the `attempt`-th re-read in a row got no
 * answer (a network error, a 5xx, a timeout): what was pushed while the socket was down is
 * only known from that answer, so a failed one is never left as the last word. 1 s, doubling,
 * at most the fallback's 30 s. */
export function rereadRetryMs(attempt: number): number {
  return Math.min(FALLBACK_REREAD_MS, 1000 * 2 ** Math.max(0, attempt - 1));
}

/** A refusal that means this person may not be signed in here any more, whatever the page
 * was doing: a ban (403 `banned`) or the account deleted (401 `account-deleted`). */
export function signInEndedBy(error: unknown): SocketEnd | null {
  if (!(error instanceof ApiError)) return null;
  if (error.status === 403 && error.code === 'banned') return 'banned';
  if (error.status === 401 && error.code === 'account-deleted') return 'deleted';
  return null;
}

/** What the signed-out page says after the sign-in ended for `why`. */
export function endedRefusal(why: SocketEnd): ApiError {
  return why === 'banned'
    ? new ApiError({ status: 403, code: 'banned' })
    : new ApiError({ status: 401, code: 'account-deleted' });
}
