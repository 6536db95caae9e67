// Transitions the reducer composes: what `GET /v1/me` says (the truth), ending a session and
// closing an invite, and the bounded lists of entities already closed.

import type { Me, PushMessage } from '../api/types';
import type { AppState, IncomingInvite, InviteOutcome, OutgoingInvite } from './types';

import { advance } from './order';
import { limitOf } from '../lib/sessionLength';

const CLOSED_LIMIT = 100;

// ---- helpers -------------------------------------------------------------------------------

export function remember(list: string[], id: string | null | undefined): string[] {
  if (!id || list.includes(id)) return list;
  return [...list, id].slice(-CLOSED_LIMIT);
}

export function close(
  state: AppState,
  kind: keyof AppState['closed'],
  id: string | null | undefined,
) {
  return { ...state.closed, [kind]: remember(state.closed[kind], id) };
}

export const isClosed = (state: AppState, kind: keyof AppState['closed'], id: string) =>
  state.closed[kind].includes(id);

const FINISHED_TICKET = new Set(['cancelled', 'rejected', 'matched_elsewhere']);

// ---- the truth: GET /v1/me -----------------------------------------------------------------

export function reconcile(state: AppState, me: Me): AppState {
  const incoming: IncomingInvite[] = me.invites
    .filter((i) => i.direction === 'incoming' && !isClosed(state, 'invites', i.inviteId))
    .map((i) => ({
      inviteId: i.inviteId,
      from: i.from,
      expiresAt: i.expiresAt,
      answering: state.incoming.find((x) => x.inviteId === i.inviteId)?.answering ?? null,
    }));
  const out = me.invites.find(
    (i) => i.direction === 'outgoing' && !isClosed(state, 'invites', i.inviteId),
  );
  const outgoing: OutgoingInvite | null = out
    ? { inviteId: out.inviteId, to: out.to, expiresAt: out.expiresAt }
    : null;
  const next: AppState = { ...state, me, incoming, outgoing, meStale: false, meRequestedAt: null };

  if (me.session && !isClosed(state, 'sessions', me.session.sessionId)) {
    // A session's start is its `session.started` time: an older start arriving later is stale.
    const phaseAt = advance(state.phaseAt, me.session.startsAt);
    // A topic pushed after this answer was computed is newer than the one it carries: keep it.
    const held = state.session?.sessionId === me.session.sessionId ? state.session.topic : null;
    const topic =
      held && (!me.session.topic || me.session.topic.n < held.n) ? held : me.session.topic;
    const session = { ...me.session, topic: topic ?? null };
    return { ...next, phase: 'in-call', session, ticket: null, summary: null, phaseAt };
  }
  if (state.phase === 'in-call' && state.session) {
    // The session ended while we were not listening: show what we know, the rest is fetched.
    return {
      ...endSession(next, state.session.sessionId, null),
      closed: close(next, 'sessions', state.session.sessionId),
    };
  }
  if (state.phase === 'summary') {
    // No hold left means the ledger has settled the conversation: the figure is final.
    const summary =
      state.summary && me.points.held === 0 ? { ...state.summary, settled: true } : state.summary;
    return { ...next, ticket: null, summary };
  }
  const t = me.ticket;
  if (t && !FINISHED_TICKET.has(t.status) && !isClosed(state, 'tickets', t.ticketId)) {
    const same = state.ticket?.ticketId === t.ticketId ? state.ticket : null;
    return {
      ...next,
      phase: 'waiting',
      phaseAt: advance(state.phaseAt, t.waitingSince),
      ticket: {
        ticketId: t.ticketId,
        status: t.status,
        lookingFor: t.lookingFor ?? same?.lookingFor ?? null,
        waitingSince: t.waitingSince ?? same?.waitingSince ?? null,
      },
    };
  }
  return { ...next, phase: 'home', ticket: null, session: null };
}

export function endSession(
  state: AppState,
  sessionId: string,
  ended: Extract<PushMessage, { type: 'session.ended' }> | null,
): AppState {
  const known = state.session?.sessionId === sessionId ? state.session : null;
  return {
    ...state,
    phase: 'summary',
    session: null,
    ticket: null,
    stopping: false,
    summary: {
      sessionId,
      partner: known?.partner ?? null,
      minutesUsed: ended ? ended.minutesUsed : null,
      reason: ended ? ended.reason : null,
      startedAt: ended ? ended.startedAt : (known?.startsAt ?? null),
      endedAt: ended ? ended.endedAt : null,
      stoppedByMe: state.stopping && known !== null,
      partnerNoShow: ended?.partnerNoShow === true,
      settled: false,
      limit: known ? limitOf(known) : null,
    },
  };
}

// ---- invites -------------------------------------------------------------------------------

export type InviteEnd = InviteOutcome['kind'];

/** Closes an invite we know about and says how it ended; unknown invites are just closed. */
export function closeInvite(
  state: AppState,
  inviteId: string,
  kind: InviteEnd,
  reason?: string,
  showUnknown = false,
): AppState {
  if (isClosed(state, 'invites', inviteId)) return state;
  const incoming = state.incoming.find((i) => i.inviteId === inviteId);
  const outgoing = state.outgoing?.inviteId === inviteId ? state.outgoing : null;
  const closed = close(state, 'invites', inviteId);
  const rest = {
    ...state,
    closed,
    incoming: state.incoming.filter((i) => i.inviteId !== inviteId),
    outgoing: outgoing ? null : state.outgoing,
  };
  if (!incoming && !outgoing && !showUnknown) return rest;
  if (state.phase === 'in-call' && kind === 'accepted') return rest;
  const outcome: InviteOutcome = {
    inviteId,
    kind,
    reason,
    direction: incoming ? 'incoming' : outgoing ? 'outgoing' : 'unknown',
    name: incoming?.from.name ?? outgoing?.to.name ?? undefined,
  };
  return { ...rest, outcome };
}
