// The app as a pure state machine: signed-out → home → waiting → in-call → summary, with
// invite overlays. Pushed messages are hints that may arrive late, twice or out of order;
// `GET /v1/me` (action `me.loaded`) is the truth and is re-read on every (re)connect.
// Messages are applied in the order their events happened (`occurredAt`, see order.ts): an
// older message than the one that put the person where they are only closes its own entity.

import type { LiveSession, Points, PushMessage } from '../api/types';
import {
  initialState,
  type Action,
  type AppState,
  type IncomingInvite,
  type InviteOutcome,
} from './types';

import { advance, isOlder } from './order';

export * from './types';

import { close, closeInvite, endSession, isClosed, reconcile, type InviteEnd } from './transitions';

// ---- pushed hints --------------------------------------------------------------------------

/** Accept refusals that leave the invite open: the person may press Accept again. */
const RETRYABLE_ACCEPT = new Set(['no_points', 'already_waiting', 'in_session', 'busy']);

function onPush(state: AppState, m: PushMessage): AppState {
  switch (m.type) {
    case 'ticket.waiting': {
      if (isClosed(state, 'tickets', m.ticketId)) return state;
      // A newer start or end already placed the person: this ticket was matched or is over.
      if (isOlder(m.occurredAt, state.phaseAt)) return state;
      if (state.phase !== 'home' && state.phase !== 'waiting') return state;
      return {
        ...state,
        phase: 'waiting',
        phaseAt: advance(state.phaseAt, m.occurredAt),
        ticketRejection: null,
        ticket: {
          ticketId: m.ticketId,
          status: 'waiting',
          lookingFor: m.lookingFor,
          waitingSince: m.waitingSince,
        },
      };
    }
    case 'ticket.rejected':
    case 'ticket.cancelled': {
      if (isClosed(state, 'tickets', m.ticketId)) return state;
      const closed = close(state, 'tickets', m.ticketId);
      const current = state.ticket?.ticketId === m.ticketId;
      const rejection = m.type === 'ticket.rejected' ? m.reason : null;
      const phaseAt = advance(state.phaseAt, m.occurredAt);
      if (state.phase === 'waiting' && current) {
        return {
          ...state,
          closed,
          phase: 'home',
          ticket: null,
          ticketRejection: rejection,
          phaseAt,
        };
      }
      if (state.phase === 'home' && rejection && !isOlder(m.occurredAt, state.phaseAt)) {
        return { ...state, closed, ticketRejection: rejection };
      }
      return { ...state, closed };
    }
    case 'session.started': {
      if (isClosed(state, 'sessions', m.sessionId)) return state;
      // Older than what placed the person (a later session, or a ticket after this one ended).
      if (isOlder(m.occurredAt, state.phaseAt)) return state;
      // The push names the partner by id only; a name /v1/me already gave for them stays.
      const known = state.session?.sessionId === m.sessionId ? state.session.partner : null;
      const session: LiveSession = {
        sessionId: m.sessionId,
        // What /v1/me already said of them (name, languages) stays: the push names an id only.
        partner: { ...known, userId: m.partner.userId, name: known?.name ?? null },
        startsAt: m.startsAt,
        endsAt: m.endsAt,
        mediaMode: m.mediaMode,
        role: m.role,
        limitedBy: m.limitedBy ?? null,
        // The topic arrives in its own push (or /v1/me); one already known for this session stays.
        topic: state.session?.sessionId === m.sessionId ? state.session.topic : null,
      };
      let next: AppState = {
        ...state,
        phase: 'in-call',
        phaseAt: advance(state.phaseAt, m.occurredAt),
        session,
        summary: null,
        stopping: state.session?.sessionId === m.sessionId ? state.stopping : false,
        ticketRejection: null,
        closed: close(state, 'tickets', state.ticket?.ticketId),
        ticket: null,
      };
      if (m.inviteId) next = closeInvite(next, m.inviteId, 'accepted');
      return next;
    }
    case 'session.ended': {
      if (state.summary?.sessionId === m.sessionId && state.summary.minutesUsed === null) {
        // We had learnt of the end from /v1/me; the late message fills in the numbers.
        const { minutesUsed, reason, startedAt, endedAt } = m;
        const partnerNoShow = m.partnerNoShow === true;
        return {
          ...state,
          summary: { ...state.summary, minutesUsed, reason, startedAt, endedAt, partnerNoShow },
        };
      }
      if (isClosed(state, 'sessions', m.sessionId)) return state;
      if (state.phase === 'signed-out') return state;
      const closed = close(state, 'sessions', m.sessionId);
      const current = state.session?.sessionId === m.sessionId;
      if (!current && (state.phase === 'in-call' || isOlder(m.occurredAt, state.phaseAt))) {
        // Another session is live, or something newer placed the person: only close this one.
        return { ...state, closed };
      }
      const ended = endSession(state, m.sessionId, m);
      return { ...ended, closed, phaseAt: advance(state.phaseAt, m.occurredAt) };
    }
    case 'session.topic': {
      // Only the live session's prompt; a late push for an older prompt (smaller `n`) is dropped.
      const session = state.session;
      if (!session || session.sessionId !== m.sessionId) return state;
      if (isClosed(state, 'sessions', m.sessionId)) return state;
      if (session.topic && session.topic.n >= m.n) return state;
      const { topicId, text, language, band, n } = m;
      return { ...state, session: { ...session, topic: { topicId, text, language, band, n } } };
    }
    case 'invite.received': {
      if (isClosed(state, 'invites', m.inviteId)) return state;
      const others = state.incoming.filter((i) => i.inviteId !== m.inviteId);
      const previous = state.incoming.find((i) => i.inviteId === m.inviteId);
      const invite: IncomingInvite = {
        inviteId: m.inviteId,
        from: m.from,
        expiresAt: m.expiresAt,
        answering: previous?.answering ?? null,
      };
      return { ...state, incoming: [...others, invite] };
    }
    case 'invite.pending': {
      if (isClosed(state, 'invites', m.inviteId)) return state;
      const name = state.outgoing?.inviteId === m.inviteId ? state.outgoing.to.name : undefined;
      return {
        ...state,
        outgoing: {
          inviteId: m.inviteId,
          to: { userId: m.to.userId, name: name ?? null },
          expiresAt: m.expiresAt,
        },
      };
    }
    case 'invite.accepted':
      return closeInvite(state, m.inviteId, 'accepted');
    case 'invite.declined':
    case 'invite.expired':
    case 'invite.cancelled':
      return closeInvite(state, m.inviteId, m.type.slice('invite.'.length) as InviteEnd, m.reason);
    case 'invite.rejected':
      return closeInvite(state, m.inviteId, 'rejected', m.reason, true);
    case 'invite.accept_failed': {
      const open = state.incoming.find((i) => i.inviteId === m.inviteId);
      if (open && RETRYABLE_ACCEPT.has(m.reason) && !isClosed(state, 'invites', m.inviteId)) {
        // Refused for now (busy, no points yet): the invite is still open, and another press
        // of Accept is a new attempt of its own.
        const outcome: InviteOutcome = {
          inviteId: m.inviteId,
          kind: 'accept_failed',
          reason: m.reason,
          direction: 'incoming',
          name: open.from.name,
        };
        const incoming = state.incoming.map((i) =>
          i.inviteId === m.inviteId ? { ...i, answering: null } : i,
        );
        return { ...state, incoming, outcome };
      }
      return closeInvite(state, m.inviteId, 'accept_failed', m.reason, true);
    }
    case 'points.changed': {
      if (!state.me) return state;
      if (isOlder(m.occurredAt, state.pointsAt)) return state; // a newer balance is shown
      const points: Points = { left: m.left, used: m.used, held: m.held, resetsAt: m.resetsAt };
      const pointsAt = advance(state.pointsAt, m.occurredAt);
      const summary =
        state.phase === 'summary' && state.summary
          ? { ...state.summary, settled: true }
          : state.summary;
      return { ...state, me: { ...state.me, points }, pointsAt, summary };
    }
    case 'signal':
    case 'pong':
    case 'auth.expired':
    case 'account.deleted': // the socket layer acts on these (ws.ts): the person signs out
    case 'account.banned':
      return state;
  }
}

// ---- the reducer ---------------------------------------------------------------------------

export function reducer(state: AppState, action: Action): AppState {
  switch (action.type) {
    case 'signed-in':
      return { ...initialState('loading'), socket: state.socket };
    case 'signed-out':
      return initialState('signed-out');
    case 'me.requested':
      return { ...state, meRequestedAt: state.pushes, meStale: false };
    case 'me.loaded':
      if (state.phase === 'signed-out') return state;
      if (state.meRequestedAt !== null && state.meRequestedAt !== state.pushes) {
        return { ...state, meStale: true, meRequestedAt: null };
      }
      return reconcile(state, action.me);
    case 'push': {
      if (state.phase === 'signed-out') return state;
      const isHint = action.message.type !== 'signal';
      const counted = isHint ? { ...state, pushes: state.pushes + 1 } : state;
      return onPush(counted, action.message);
    }
    case 'socket':
      return { ...state, socket: action.status };
    case 'queue.joined':
      if (isClosed(state, 'tickets', action.ticketId)) return state;
      if (state.phase !== 'home' && state.phase !== 'waiting') return state;
      if (state.ticket?.ticketId === action.ticketId) return { ...state, phase: 'waiting' };
      return {
        ...state,
        phase: 'waiting',
        ticketRejection: null,
        ticket: { ticketId: action.ticketId, status: null, lookingFor: null, waitingSince: null },
      };
    case 'queue.left': {
      const closed = close(state, 'tickets', action.ticketId ?? state.ticket?.ticketId);
      if (state.phase !== 'waiting') return { ...state, closed };
      return { ...state, closed, phase: 'home', ticket: null };
    }
    case 'invite.sent':
      if (isClosed(state, 'invites', action.inviteId)) return state;
      return {
        ...state,
        outcome: null,
        outgoing: { inviteId: action.inviteId, to: action.to, expiresAt: action.expiresAt },
      };
    case 'invite.answering':
    case 'invite.answer-failed':
      return {
        ...state,
        incoming: state.incoming.map((i) =>
          i.inviteId !== action.inviteId
            ? i
            : { ...i, answering: action.type === 'invite.answering' ? action.answer : null },
        ),
      };
    case 'invite.declined-here':
      return closeInvite(state, action.inviteId, 'declined');
    case 'invite.withdrawn-here':
      return closeInvite(state, action.inviteId, 'cancelled', 'withdrawn');
    case 'invite.lapsed':
      return closeInvite(state, action.inviteId, 'expired');
    case 'session.stopping':
      return state.phase === 'in-call' ? { ...state, stopping: true } : state;
    case 'session.stop-failed':
      return { ...state, stopping: false };
    case 'summary.closed':
      return state.phase === 'summary' ? { ...state, phase: 'home', summary: null } : state;
    case 'outcome.dismissed':
      return { ...state, outcome: null };
    case 'refusal':
      return { ...state, refusal: action.refusal };
    case 'refusal.dismissed':
      return { ...state, refusal: null, ticketRejection: null };
  }
}
