// The app's state and the actions that move it (see machine.ts for the transitions).

import type { LiveSession, LookingFor, Me, PersonRef, Profile, PushMessage } from '../api/types';
import type { InviteOutcomeFacts } from '../api/problems';
import type { SocketStatus } from '../api/ws';
import type { LengthLimit } from '../lib/sessionLength';

export type Phase = 'signed-out' | 'loading' | 'home' | 'waiting' | 'in-call' | 'summary';

export interface WaitingTicket {
  ticketId: string;
  status: string | null;
  lookingFor: LookingFor | null;
  waitingSince: string | null;
}

export interface Summary {
  sessionId: string;
  partner: PersonRef | null;
  /** null when the end was learnt from `/v1/me` rather than from `session.ended`. */
  minutesUsed: number | null;
  reason: string | null;
  startedAt: string | null;
  endedAt: string | null;
  stoppedByMe: boolean;
  /** My partner never connected: the conversation was free and I may join again at once. */
  partnerNoShow: boolean;
  /** The ledger has settled this conversation's points: `points.left` is the final figure. */
  settled: boolean;
  /** Whose minutes left made the call shorter than a full session, when someone's did. */
  limit?: LengthLimit | null;
}

export interface IncomingInvite {
  inviteId: string;
  from: Profile;
  expiresAt: string;
  answering: 'accept' | 'decline' | null;
}

export interface OutgoingInvite {
  inviteId: string;
  to: PersonRef;
  expiresAt: string;
}

export interface InviteOutcome extends InviteOutcomeFacts {
  inviteId: string;
}

export interface Refusal {
  /** What was refused (an ApiError, a SignInError...): said in the person's language on screen. */
  error: unknown;
  retryable: boolean;
}

export interface AppState {
  phase: Phase;
  me: Me | null;
  ticket: WaitingTicket | null;
  session: LiveSession | null;
  summary: Summary | null;
  incoming: IncomingInvite[];
  outgoing: OutgoingInvite | null;
  outcome: InviteOutcome | null;
  /** `ticket.rejected` reason to explain on the home page. */
  ticketRejection: string | null;
  refusal: Refusal | null;
  socket: SocketStatus;
  stopping: boolean;
  /** Counts pushed messages, so pages can refresh derived lists (presence) on a push. */
  pushes: number;
  /** `pushes` when the outstanding `GET /v1/me` went out, or null. */
  meRequestedAt: number | null;
  /** A `/v1/me` answer was overtaken by a push and dropped: it must be read again. */
  meStale: boolean;
  /** Ids that are over for good: a late or repeated hint about them changes nothing. */
  closed: { sessions: string[]; tickets: string[]; invites: string[] };
  /**
   * `occurredAt` of the newest message that set the phase (waiting, in a call, a summary): an
   * older one arriving later only closes its own ticket or session (state/order.ts).
   */
  phaseAt: string | null;
  /** `occurredAt` of the points last applied: an older `points.changed` is dropped. */
  pointsAt: string | null;
}

export type Action =
  | { type: 'signed-in' }
  | { type: 'signed-out' }
  /** A `GET /v1/me` went out; a push arriving before its answer makes that answer stale. */
  | { type: 'me.requested' }
  | { type: 'me.loaded'; me: Me }
  | { type: 'push'; message: PushMessage }
  | { type: 'socket'; status: SocketStatus }
  | { type: 'queue.joined'; ticketId: string }
  | { type: 'queue.left'; ticketId: string | null }
  | { type: 'invite.sent'; inviteId: string; expiresAt: string; to: PersonRef }
  | { type: 'invite.answering'; inviteId: string; answer: 'accept' | 'decline' }
  | { type: 'invite.answer-failed'; inviteId: string }
  | { type: 'invite.declined-here'; inviteId: string }
  | { type: 'invite.withdrawn-here'; inviteId: string }
  | { type: 'invite.lapsed'; inviteId: string }
  | { type: 'session.stopping' }
  | { type: 'session.stop-failed' }
  | { type: 'summary.closed' }
  | { type: 'outcome.dismissed' }
  | { type: 'refusal'; refusal: Refusal }
  | { type: 'refusal.dismissed' };

export function initialState(phase: Phase = 'signed-out'): AppState {
  return {
    phase,
    me: null,
    ticket: null,
    session: null,
    summary: null,
    incoming: [],
    outgoing: null,
    outcome: null,
    ticketRejection: null,
    refusal: null,
    socket: 'closed',
    stopping: false,
    pushes: 0,
    meRequestedAt: null,
    meStale: false,
    closed: { sessions: [], tickets: [], invites: [] },
    phaseAt: null,
    pointsAt: null,
  };
}
