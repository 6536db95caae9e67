// Event order for pushed messages (docs/api.md, "Order"). Messages about one person can arrive
// in another order than their events happened (several notifier instances, reconnects), so
// each state-changing message carries `occurredAt` and the reducer applies it only if it is not
// older than what already set that part of the state.

const ISO = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(?:Z|[+-]00:?00)$/;

/**
 * A key that sorts like the instant: `YYYY-MM-DDTHH:MM:SS.ffffffZ`, six fractional digits.
 * The server stamps `occurredAt` this way already; other UTC forms (no fraction, milliseconds,
 * `+00:00`) are brought to it, anything else goes through `Date` (milliseconds).
 */
export function instantKey(iso: string): string | null {
  const m = ISO.exec(iso);
  if (m) return `${m[1]}.${(m[2] ?? '').padEnd(6, '0').slice(0, 6)}Z`;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return null;
  return new Date(ms).toISOString().replace('Z', '000Z');
}

/** True only if both are known and `at` happened strictly before `mark`. */
export function isOlder(at: string | null | undefined, mark: string | null): boolean {
  if (!at || !mark) return false;
  const a = instantKey(at);
  const b = instantKey(mark);
  return a !== null && b !== null && a < b;
}

/** The later of a mark and a new time (a message without a time leaves the mark as it is). */
export function advance(mark: string | null, at: string | null | undefined): string | null {
  if (!at || instantKey(at) === null) return mark;
  return mark && isOlder(at, mark) ? mark : at;
}
