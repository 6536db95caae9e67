// Shapes of the public API (docs/api.md). Times are ISO-8601 UTC strings. The REST shapes
// and the pushed messages are generated from the server's own models (`make contract`): the
// served OpenAPI document and the wire's push models. Only names for them live here.

import type { components } from './generated/openapi';
import type { PushMessage as Pushed } from './generated/pushes';

type Schemas = components['schemas'];

export type MediaMode = Schemas['MediaConfig']['mode'];
export type LookingFor = NonNullable<Schemas['TicketView']['lookingFor']>;
export type Role = Schemas['SessionView']['role'];
/** Whose minutes left today made a session shorter than the full length (docs/api.md). */
export type LimitedBy = NonNullable<Schemas['SessionView']['limitedBy']>;

export type AppConfig = Schemas['Config'];
export type Points = Schemas['Points'];
export type PersonRef = Schemas['PersonRef'];
export type Profile = Schemas['Profile'];
export type Preferences = Schemas['Preferences'];
/** A self-rated CEFR level, A1..C2 (docs/api.md, "Levels"). */
export type Cefr = Schemas['Preferences']['welcomesFrom'];
/** My level per language I learn (only those I said). */
export type Levels = NonNullable<Schemas['Preferences']['levels']>;
export type TicketInfo = Schemas['TicketView'];
export type LiveSession = Schemas['SessionView'];
export type InviteInfo = Schemas['InviteView'];
export type Me = Schemas['Me'];
export type PastSession = Schemas['PastSession'];
export type HistoryPage = Schemas['HistoryPage'];
export type PresentPerson = Schemas['PresentPerson'];
export type Topic = NonNullable<Schemas['SessionView']['topic']>;
export type FeedbackVerdict = Schemas['FeedbackIn']['verdict'];
export type WordSaved = Schemas['WordSaved'];
export type WordsPage = Schemas['WordsPage'];
export type MinutesSpoken = Schemas['Minutes'];
export type DirectJoin = Schemas['DirectJoin'];
export type LiveKitJoin = Schemas['LiveKitJoin'];
export type JoinAnswer = DirectJoin | LiveKitJoin;

export type SignalKind = 'offer' | 'answer' | 'candidate' | 'bye';

export type ReportReason = 'abuse' | 'spam' | 'inappropriate' | 'other';

export type TicketRejectReason = 'no_points' | 'already_waiting' | 'in_session' | 'busy';
export type AcceptFailReason =
  'no_points' | 'already_waiting' | 'in_session' | 'expired' | 'not_pending';
export type EndReason = 'time_up' | 'stopped' | 'left' | 'cancelled';

/** Messages the server pushes over the WebSocket. They are hints; `GET /v1/me` is the truth.
 * `occurredAt` says when the event behind one happened (ISO-8601 UTC, six fractional digits):
 * the reducer applies messages in that order, not in arrival order (docs/api.md, "Order"). */
export type PushMessage = Pushed;

export type SignalMessage = Extract<PushMessage, { type: 'signal' }>;

// Every type the server may push, checked by the compiler against the generated union: a type
// added to the wire's models and missing here fails the type check instead of being dropped.
const KNOWN: Record<PushMessage['type'], true> = {
  pong: true,
  'auth.expired': true,
  'account.deleted': true,
  'account.banned': true,
  'ticket.waiting': true,
  'ticket.rejected': true,
  'ticket.cancelled': true,
  'session.started': true,
  'session.ended': true,
  'session.topic': true,
  'invite.received': true,
  'invite.pending': true,
  'invite.accepted': true,
  'invite.declined': true,
  'invite.expired': true,
  'invite.cancelled': true,
  'invite.rejected': true,
  'invite.accept_failed': true,
  signal: true,
  'points.changed': true,
};
const KNOWN_TYPES = new Set<string>(Object.keys(KNOWN));

/** Parses one WebSocket frame; unknown or malformed frames give `null` and are ignored. */
export function parsePush(raw: string): PushMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string' || !KNOWN_TYPES.has(type)) return null;
  return value as PushMessage;
}
