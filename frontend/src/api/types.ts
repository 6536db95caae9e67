// Shapes of the public API (docs/api.md). Times are ISO-8601 UTC strings.

export type MediaMode = 'direct' | 'livekit';
export type LookingFor = 'tandem' | 'one_sided' | 'anyone';
export type Role = 'offerer' | 'answerer';
/** Whose minutes left today made a session shorter than the full length (docs/api.md). */
export type LimitedBy = 'me' | 'partner' | 'both';

export interface AppConfig {
  auth: {
    mode: 'local' | 'hosted';
    region: string;
    userPoolId: string;
    clientId: string;
    endpoint?: string;
    hostedUiDomain?: string;
    redirectUri?: string;
  };
  media: { mode: MediaMode };
  websocketUrl: string;
  limits?: { dailyPoints: number; sessionMinutes: number; inviteTimeoutS: number };
}

export interface Points {
  left: number;
  used: number;
  held: number;
  resetsAt: string;
}

export interface PersonRef {
  userId: string;
  name?: string;
}

export interface Profile {
  userId: string;
  name: string;
  speaks: string[];
  learns: string[];
}

export interface Preferences {
  name?: string;
  speaks: string[];
  learns: string[];
}

export interface TicketInfo {
  ticketId: string;
  status: string;
  lookingFor?: LookingFor;
  waitingSince?: string;
}

export interface LiveSession {
  sessionId: string;
  partner: PersonRef | null;
  startsAt: string;
  endsAt: string;
  mediaMode: MediaMode;
  role: Role;
  /** Absent when the session has its full length. */
  limitedBy?: LimitedBy;
}

export interface InviteInfo {
  inviteId: string;
  direction: 'incoming' | 'outgoing';
  from: Profile;
  to: PersonRef;
  expiresAt: string;
}

export interface Me {
  userId: string;
  email: string;
  name: string;
  preferences: Preferences;
  points: Points;
  ticket: TicketInfo | null;
  session: LiveSession | null;
  invites: InviteInfo[];
}

export interface PastSession {
  sessionId: string;
  partner: PersonRef;
  startedAt: string;
  endedAt: string;
  minutes: number;
  reason: string;
}

export interface HistoryPage {
  sessions: PastSession[];
  /** Present when older conversations exist. */
  nextCursor?: string | null;
}

export interface DirectJoin {
  mode: 'direct';
  sessionId: string;
  endsAt: string;
  role: Role;
  partner: PersonRef;
  iceServers: RTCIceServer[];
}

export interface LiveKitJoin {
  mode: 'livekit';
  sessionId: string;
  endsAt: string;
  url: string;
  token: string;
}

export type JoinAnswer = DirectJoin | LiveKitJoin;

export type SignalKind = 'offer' | 'answer' | 'candidate' | 'bye';

export type ReportReason = 'abuse' | 'spam' | 'inappropriate' | 'other';

export type TicketRejectReason = 'no_points' | 'already_waiting' | 'in_session' | 'busy';
export type AcceptFailReason =
  'no_points' | 'already_waiting' | 'in_session' | 'expired' | 'not_pending';
export type EndReason = 'time_up' | 'stopped' | 'left' | 'cancelled';

/**
 * When the event behind a pushed message happened (ISO-8601 UTC, six fractional digits). The
 * reducer applies messages in this order, not in arrival order (docs/api.md, "Order").
 */
export interface Stamped {
  occurredAt?: string;
}

/** Messages the server pushes over the WebSocket. They are hints; `GET /v1/me` is the truth. */
export type PushMessage = PushBody & Stamped;

type PushBody =
  | { type: 'pong' }
  | { type: 'auth.expired'; expiredAt: string }
  | { type: 'ticket.waiting'; ticketId: string; lookingFor: LookingFor; waitingSince: string }
  | { type: 'ticket.rejected'; ticketId: string; reason: TicketRejectReason | string }
  | { type: 'ticket.cancelled'; ticketId: string }
  | {
      type: 'session.started';
      sessionId: string;
      startsAt: string;
      endsAt: string;
      mediaMode: MediaMode;
      role: Role;
      partner: PersonRef;
      inviteId?: string;
      limitedBy?: LimitedBy;
    }
  | {
      type: 'session.ended';
      sessionId: string;
      reason: EndReason | string;
      startedAt: string;
      endedAt: string;
      minutesUsed: number;
      /** A no-show: I connected, my partner never did (nothing charged; first in line again). */
      partnerNoShow?: boolean;
    }
  | { type: 'invite.received'; inviteId: string; from: Profile; expiresAt: string }
  | { type: 'invite.pending'; inviteId: string; to: PersonRef; expiresAt: string }
  | { type: 'invite.accepted'; inviteId: string; sessionId: string }
  | { type: 'invite.declined'; inviteId: string; reason?: string }
  | { type: 'invite.expired'; inviteId: string; reason?: string }
  | { type: 'invite.cancelled'; inviteId: string; reason?: string }
  | { type: 'invite.rejected'; inviteId: string; reason: string }
  | { type: 'invite.accept_failed'; inviteId: string; reason: AcceptFailReason | string }
  | {
      type: 'signal';
      sessionId: string;
      fromUserId: string;
      kind: SignalKind;
      data: unknown;
    }
  | ({ type: 'points.changed' } & Points);

export type SignalMessage = Extract<PushMessage, { type: 'signal' }>;

const KNOWN_TYPES = new Set<string>([
  'pong',
  'auth.expired',
  'ticket.waiting',
  'ticket.rejected',
  'ticket.cancelled',
  'session.started',
  'session.ended',
  'invite.received',
  'invite.pending',
  'invite.accepted',
  'invite.declined',
  'invite.expired',
  'invite.cancelled',
  'invite.rejected',
  'invite.accept_failed',
  'signal',
  'points.changed',
]);

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
