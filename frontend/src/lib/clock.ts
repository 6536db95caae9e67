// Estimates how far the server's clock is from this device's, from HTTP `Date` headers.
//
// A `Date` header has one-second resolution and was stamped somewhere between sending the
// request and receiving the answer, so each answer bounds the offset (server − local) to
// [date − receivedAt, date + 1000 − sentAt]. Intersecting the bounds of several answers
// narrows the estimate; the midpoint is used. If a new answer contradicts the bounds (a clock
// was changed), the estimate starts over from that answer.

export interface OffsetBounds {
  low: number;
  high: number;
}

export function boundsFromDateHeader(
  dateHeader: string | null,
  sentAtMs: number,
  receivedAtMs: number,
): OffsetBounds | null {
  if (!dateHeader) return null;
  const serverMs = Date.parse(dateHeader);
  if (Number.isNaN(serverMs) || receivedAtMs < sentAtMs) return null;
  return { low: serverMs - receivedAtMs, high: serverMs + 1000 - sentAtMs };
}

export function intersectBounds(current: OffsetBounds | null, next: OffsetBounds): OffsetBounds {
  if (!current) return next;
  const low = Math.max(current.low, next.low);
  const high = Math.min(current.high, next.high);
  return low <= high ? { low, high } : next;
}

export class ClockSync {
  private bounds: OffsetBounds | null = null;

  observe(dateHeader: string | null, sentAtMs: number, receivedAtMs: number): void {
    const next = boundsFromDateHeader(dateHeader, sentAtMs, receivedAtMs);
    if (next) this.bounds = intersectBounds(this.bounds, next);
  }

  /**
   * Milliseconds to add to `Date.now()` to get the server's time. 0 until known, and 0 while
   * the answers are consistent with both clocks agreeing (a one-second header cannot show a
   * smaller skew); otherwise the middle of what the answers allow.
   */
  get offsetMs(): number {
    if (!this.bounds || (this.bounds.low <= 0 && this.bounds.high >= 0)) return 0;
    return Math.round((this.bounds.low + this.bounds.high) / 2);
  }

  serverNow(localNowMs: number = Date.now()): number {
    return localNowMs + this.offsetMs;
  }
}
