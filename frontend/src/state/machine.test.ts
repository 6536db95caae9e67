import { describe, expect, it } from 'vitest';
import type { InviteInfo, PushMessage } from '../api/types';
import { initialState } from './machine';
import {
  me,
  SESSION,
  started,
  ended,
  waiting,
  bobProfile,
  received,
  push,
  run,
  home,
  inCall,
} from './machine.builders';

// ---- tests --------------------------------------------------------------------------------

describe('signing in and out', () => {
  it('goes from signed-out to loading on sign-in, and to home once /v1/me is read', () => {
    const s = run(initialState('signed-out'), { type: 'signed-in' });
    expect(s.phase).toBe('loading');
    expect(run(s, { type: 'me.loaded', me: me() }).phase).toBe('home');
  });

  it('forgets everything on sign-out and ignores late answers afterwards', () => {
    const s = run(inCall(), { type: 'signed-out' });
    expect(s).toEqual(initialState('signed-out'));
    expect(run(s, { type: 'me.loaded', me: me() }).phase).toBe('signed-out');
    expect(run(s, push(started)).phase).toBe('signed-out');
  });
});

describe('random match: home → waiting → in-call → summary → home', () => {
  it('waits after Join was accepted, before any push', () => {
    const s = run(home(), { type: 'queue.joined', ticketId: 't-1' });
    expect(s.phase).toBe('waiting');
    expect(s.ticket).toMatchObject({ ticketId: 't-1', lookingFor: null });
  });

  it('follows the matcher as it relaxes from tandem to anyone', () => {
    let s = run(home(), { type: 'queue.joined', ticketId: 't-1' }, push(waiting('tandem')));
    expect(s.ticket?.lookingFor).toBe('tandem');
    s = run(s, push(waiting('one_sided')));
    expect(s.ticket?.lookingFor).toBe('one_sided');
    s = run(s, push(waiting('anyone')));
    expect(s.ticket?.lookingFor).toBe('anyone');
    expect(s.ticket?.waitingSince).toBe('2030-01-01T11:59:00Z');
  });

  it('starts the call on session.started and keeps its server times', () => {
    const s = run(home(), { type: 'queue.joined', ticketId: 't-1' }, push(started));
    expect(s.phase).toBe('in-call');
    expect(s.ticket).toBeNull();
    expect(s.session).toMatchObject({ sessionId: 's-1', endsAt: SESSION.endsAt, role: 'offerer' });
  });

  it('shows the summary with the minutes used on session.ended, and home after closing it', () => {
    let s = run(inCall(), push(ended));
    expect(s.phase).toBe('summary');
    expect(s.summary).toMatchObject({ sessionId: 's-1', minutesUsed: 15, reason: 'time_up' });
    expect(s.summary?.partner?.name).toBe('Bob');
    s = run(s, { type: 'summary.closed' });
    expect(s.phase).toBe('home');
  });

  it('keeps whose minutes left shortened the call, through to the summary', () => {
    let s = run(home(), push({ ...started, limitedBy: 'partner' }));
    expect(s.session?.limitedBy).toBe('partner');
    s = run(s, push(ended));
    expect(s.summary?.limit).toEqual({ by: 'partner', minutes: 15 });
    expect(run(inCall(), push(ended)).summary?.limit).toBeNull();
  });

  it('remembers that my partner never showed up, so the summary can say so', () => {
    const noShow = { ...ended, reason: 'cancelled' as const, minutesUsed: 0, partnerNoShow: true };
    const s = run(inCall(), push(noShow));
    expect(s.summary).toMatchObject({ reason: 'cancelled', minutesUsed: 0, partnerNoShow: true });
    expect(run(inCall(), push(ended)).summary?.partnerNoShow).toBe(false);
  });

  it('remembers that I pressed Stop, for the summary sentence', () => {
    const s = run(inCall(), { type: 'session.stopping' }, push({ ...ended, reason: 'stopped' }));
    expect(s.summary?.stoppedByMe).toBe(true);
  });

  it('lets the person press Stop again when the stop request failed', () => {
    const s = run(inCall(), { type: 'session.stopping' }, { type: 'session.stop-failed' });
    expect(s.stopping).toBe(false);
    expect(s.phase).toBe('in-call');
  });

  it('goes home on Cancel, and a late ticket.waiting for that ticket does not bring waiting back', () => {
    let s = run(
      home(),
      { type: 'queue.joined', ticketId: 't-1' },
      { type: 'queue.left', ticketId: 't-1' },
    );
    expect(s.phase).toBe('home');
    s = run(s, push(waiting('tandem')));
    expect(s.phase).toBe('home');
  });

  it('goes home on ticket.cancelled for the ticket being waited on', () => {
    const s = run(
      home(),
      push(waiting('tandem')),
      push({ type: 'ticket.cancelled', ticketId: 't-1' }),
    );
    expect(s.phase).toBe('home');
  });
});

describe('ticket.rejected', () => {
  it('takes the person home with the reason to explain', () => {
    const s = run(
      home(),
      { type: 'queue.joined', ticketId: 't-1' },
      push({ type: 'ticket.rejected', ticketId: 't-1', reason: 'no_points' }),
    );
    expect(s.phase).toBe('home');
    expect(s.ticketRejection).toBe('no_points');
  });

  it('still explains when the rejection overtakes the answer to POST /v1/queue', () => {
    let s = run(home(), push({ type: 'ticket.rejected', ticketId: 't-1', reason: 'no_points' }));
    expect(s.ticketRejection).toBe('no_points');
    s = run(s, { type: 'queue.joined', ticketId: 't-1' });
    expect(s.phase).toBe('home');
  });

  it('does not end a wait for a different, still waiting ticket', () => {
    const s = run(
      home(),
      push(waiting('tandem', 't-old')),
      push({ type: 'ticket.rejected', ticketId: 't-new', reason: 'already_waiting' }),
    );
    expect(s.phase).toBe('waiting');
    expect(s.ticket?.ticketId).toBe('t-old');
  });
});

describe('out-of-order and duplicate hints', () => {
  it('ignores a duplicate session.started while in the call', () => {
    const s = inCall();
    expect(run(s, push(started)).session).toEqual(s.session);
  });

  it('ignores a session.started that arrives after its session.ended', () => {
    const s = run(home(), push(ended), push(started));
    expect(s.phase).toBe('summary');
    expect(s.session).toBeNull();
  });

  it('shows a summary only once for a duplicated session.ended', () => {
    let s = run(inCall(), push(ended), { type: 'summary.closed' });
    s = run(s, push(ended));
    expect(s.phase).toBe('home');
  });

  it('ignores ticket.waiting once the call has started', () => {
    const s = run(inCall(), push(waiting('anyone')));
    expect(s.phase).toBe('in-call');
  });

  it('does not re-open an invite after it was closed (received after expired)', () => {
    const s = run(
      home(),
      push(received),
      push({ type: 'invite.expired', inviteId: 'i-1' }),
      push(received),
    );
    expect(s.incoming).toEqual([]);
  });

  it('keeps one popup for a duplicated invite.received', () => {
    const s = run(home(), push(received), push(received));
    expect(s.incoming).toHaveLength(1);
  });

  it('counts hints (not signals) so lists can refresh', () => {
    const s = run(
      home(),
      push(received),
      push({ type: 'signal', sessionId: 's', fromUserId: 'u', kind: 'candidate', data: {} }),
    );
    expect(s.pushes).toBe(1);
  });
});

describe('re-reading /v1/me on (re)connect', () => {
  it('restores the call after a reload when /v1/me shows a live session', () => {
    const s = run(initialState('loading'), {
      type: 'me.loaded',
      me: me({ session: { ...SESSION, limitedBy: null, topic: null } }),
    });
    expect(s.phase).toBe('in-call');
    expect(s.session?.sessionId).toBe('s-1');
  });

  it('restores waiting, with what the matcher looks for, from /v1/me', () => {
    const ticket = {
      ticketId: 't-9',
      status: 'waiting',
      lookingFor: 'one_sided' as const,
      waitingSince: null,
    };
    const s = run(initialState('loading'), { type: 'me.loaded', me: me({ ticket }) });
    expect(s.phase).toBe('waiting');
    expect(s.ticket).toMatchObject({ ticketId: 't-9', lookingFor: 'one_sided' });
  });

  it('shows a summary when the session ended while the socket was down, filled in by a late session.ended', () => {
    const s = run(inCall(), { type: 'me.loaded', me: me() });
    expect(s.phase).toBe('summary');
    expect(s.summary).toMatchObject({ sessionId: 's-1', minutesUsed: null });
    // a late session.ended fills in the minutes, without a second summary
    const filled = run(s, push(ended));
    expect(filled.summary).toMatchObject({ sessionId: 's-1', minutesUsed: 15, reason: 'time_up' });
    expect(run(filled, { type: 'summary.closed' }, push(ended)).phase).toBe('home');
  });

  it('goes home when the wait ended while the socket was down', () => {
    const s = run(home(), push(waiting('tandem')), { type: 'me.loaded', me: me() });
    expect(s.phase).toBe('home');
  });

  it('does not bring back a session it already saw end, even if /v1/me is a moment behind', () => {
    const s = run(inCall(), push(ended), {
      type: 'me.loaded',
      me: me({ session: { ...SESSION, limitedBy: null, topic: null } }),
    });
    expect(s.phase).toBe('summary');
  });

  it('drops an answer that a push overtook, and asks for a fresh one', () => {
    // /v1/me was read just before the match; session.started arrives before its answer.
    const s = run(home(), { type: 'me.requested' }, push(started), { type: 'me.loaded', me: me() });
    expect(s.phase).toBe('in-call');
    expect(s.meStale).toBe(true);
    const fresh = run(
      s,
      { type: 'me.requested' },
      { type: 'me.loaded', me: me({ session: { ...SESSION, limitedBy: null, topic: null } }) },
    );
    expect(fresh.meStale).toBe(false);
    expect(fresh.phase).toBe('in-call');
  });

  it('applies an answer when no push came in between', () => {
    const s = run(
      home(),
      push(waiting('tandem')),
      { type: 'me.requested' },
      { type: 'me.loaded', me: me() },
    );
    expect(s.meStale).toBe(false);
    expect(s.phase).toBe('home');
  });

  it('takes points, invites and preferences from /v1/me', () => {
    const invites: InviteInfo[] = [
      {
        inviteId: 'i-7',
        direction: 'incoming',
        from: bobProfile,
        to: { userId: 'u-alice', name: null },
        expiresAt: 'x',
      },
    ];
    const s = run(home(), {
      type: 'me.loaded',
      me: me({ points: { left: 3, used: 12, held: 0, resetsAt: 'r' }, invites }),
    });
    expect(s.me?.points.left).toBe(3);
    expect(s.incoming.map((i) => i.inviteId)).toEqual(['i-7']);
  });

  it('updates points on points.changed', () => {
    const s = run(
      home(),
      push({ type: 'points.changed', left: 4, used: 11, held: 0, resetsAt: 'r' }),
    );
    expect(s.me?.points).toEqual({ left: 4, used: 11, held: 0, resetsAt: 'r' });
  });
});

describe('refusals', () => {
  it('keeps one refusal sentence until it is dismissed', () => {
    const error = new Error('No.');
    let s = run(home(), { type: 'refusal', refusal: { error, retryable: false } });
    expect(s.refusal?.error).toBe(error);
    s = run(s, { type: 'refusal.dismissed' });
    expect(s.refusal).toBeNull();
  });
});

describe('honest numbers: the summary waits for the ledger to settle', () => {
  const held = (left: number, heldPoints: number) =>
    me({ points: { left, used: 0, held: heldPoints, resetsAt: '2030-01-02T00:00:00Z' } });
  const changed = (left: number, used: number, heldPoints: number): PushMessage => ({
    type: 'points.changed',
    left,
    used,
    held: heldPoints,
    resetsAt: '2030-01-02T00:00:00Z',
  });

  it('is settling while the hold is still open, and settled on points.changed', () => {
    let s = run(inCall(), push(ended));
    expect(s.summary?.settled).toBe(false);
    // /v1/me read right after the end still shows the 15 points held: not the final figure
    s = run(s, { type: 'me.loaded', me: held(0, 15) });
    expect(s.summary?.settled).toBe(false);
    s = run(s, push(changed(14, 1, 0)));
    expect(s.summary?.settled).toBe(true);
    expect(s.me?.points.left).toBe(14);
  });

  it('is settled when /v1/me shows no hold left (points.changed came first or was lost)', () => {
    const s = run(inCall(), push(changed(14, 1, 0)), push(ended));
    expect(s.summary?.settled).toBe(false);
    expect(run(s, { type: 'me.loaded', me: held(14, 0) }).summary?.settled).toBe(true);
  });

  it('a points.changed outside a summary touches no summary', () => {
    const s = run(inCall(), push(changed(0, 0, 15)));
    expect(s.summary).toBeNull();
  });
});
