import { describe, expect, it } from 'vitest';
import type { InviteInfo, PushMessage } from '../api/types';
import { me, started, bobProfile, received, push, run, home } from './machine.builders';

describe('invites', () => {
  it('pops up an incoming invite with who and when it expires', () => {
    const s = run(home(), push(received));
    expect(s.incoming[0]).toMatchObject({ inviteId: 'i-1', from: bobProfile, answering: null });
  });

  it('tells the invitee they declined, and ignores the echoed invite.declined', () => {
    let s = run(home(), push(received), {
      type: 'invite.answering',
      inviteId: 'i-1',
      answer: 'decline',
    });
    expect(s.incoming[0]?.answering).toBe('decline');
    s = run(s, { type: 'invite.declined-here', inviteId: 'i-1' });
    expect(s.incoming).toEqual([]);
    expect(s.outcome).toMatchObject({ kind: 'declined', direction: 'incoming', name: 'Bob' });
    const echoed = run(
      s,
      { type: 'outcome.dismissed' },
      push({ type: 'invite.declined', inviteId: 'i-1' }),
    );
    expect(echoed.outcome).toBeNull();
  });

  it('shows the inviter a pending invite, then that it was declined', () => {
    let s = run(home(), {
      type: 'invite.sent',
      inviteId: 'i-2',
      expiresAt: 'e',
      to: { userId: 'u-bob', name: 'Bob' },
    });
    s = run(
      s,
      push({ type: 'invite.pending', inviteId: 'i-2', to: { userId: 'u-bob' }, expiresAt: 'e' }),
    );
    expect(s.outgoing).toMatchObject({ inviteId: 'i-2', to: { userId: 'u-bob', name: 'Bob' } });
    s = run(s, push({ type: 'invite.declined', inviteId: 'i-2' }));
    expect(s.outgoing).toBeNull();
    expect(s.outcome).toMatchObject({ kind: 'declined', direction: 'outgoing', name: 'Bob' });
  });

  it.each(['invite.expired', 'invite.cancelled'] as const)('closes the popup on %s', (type) => {
    const s = run(home(), push(received), push({ type, inviteId: 'i-1' }));
    expect(s.incoming).toEqual([]);
    expect(s.outcome?.kind).toBe(type.slice(7));
  });

  it('tells the inviter when the invite could not be made (invite.rejected)', () => {
    const s = run(home(), push({ type: 'invite.rejected', inviteId: 'i-3', reason: 'no_points' }));
    expect(s.outcome).toMatchObject({ kind: 'rejected', reason: 'no_points' });
    const late = run(s, {
      type: 'invite.sent',
      inviteId: 'i-3',
      expiresAt: 'e',
      to: { userId: 'u-bob', name: null },
    });
    expect(late.outgoing).toBeNull();
  });

  it('tells the invitee when accepting failed (invite.accept_failed)', () => {
    const s = run(
      home(),
      push(received),
      { type: 'invite.answering', inviteId: 'i-1', answer: 'accept' },
      push({ type: 'invite.accept_failed', inviteId: 'i-1', reason: 'expired' }),
    );
    expect(s.incoming).toEqual([]);
    expect(s.outcome).toMatchObject({ kind: 'accept_failed', reason: 'expired', name: 'Bob' });
  });

  it('keeps the invite open after an accept refused for now, so Accept can be pressed again', () => {
    const s = run(
      home(),
      push(received),
      { type: 'invite.answering', inviteId: 'i-1', answer: 'accept' },
      push({ type: 'invite.accept_failed', inviteId: 'i-1', reason: 'already_waiting' }),
    );
    expect(s.incoming).toMatchObject([{ inviteId: 'i-1', answering: null }]);
    expect(s.outcome).toMatchObject({ kind: 'accept_failed', reason: 'already_waiting' });
  });

  it('lets the person try again when the accept request itself failed', () => {
    const s = run(
      home(),
      push(received),
      { type: 'invite.answering', inviteId: 'i-1', answer: 'accept' },
      { type: 'invite.answer-failed', inviteId: 'i-1' },
    );
    expect(s.incoming[0]?.answering).toBeNull();
  });

  it('moves both people into the call on accept, whichever of accepted/started comes first', () => {
    const a = run(
      home(),
      push(received),
      push({ type: 'invite.accepted', inviteId: 'i-1', sessionId: 's-1' }),
      push({ ...started, inviteId: 'i-1' } as PushMessage),
    );
    const b = run(
      home(),
      push(received),
      push({ ...started, inviteId: 'i-1' } as PushMessage),
      push({ type: 'invite.accepted', inviteId: 'i-1', sessionId: 's-1' }),
    );
    for (const s of [a, b]) {
      expect(s.phase).toBe('in-call');
      expect(s.incoming).toEqual([]);
    }
  });

  it('withdraws my pending invite', () => {
    const s = run(
      home(),
      {
        type: 'invite.sent',
        inviteId: 'i-4',
        expiresAt: 'e',
        to: { userId: 'u-bob', name: 'Bob' },
      },
      { type: 'invite.withdrawn-here', inviteId: 'i-4' },
    );
    expect(s.outgoing).toBeNull();
    expect(s.outcome).toMatchObject({
      kind: 'cancelled',
      reason: 'withdrawn',
      direction: 'outgoing',
    });
  });

  it('closes an invite whose countdown ran out without word from the server', () => {
    const s = run(home(), push(received), { type: 'invite.lapsed', inviteId: 'i-1' });
    expect(s.incoming).toEqual([]);
    expect(s.outcome?.kind).toBe('expired');
  });

  it('does not show /v1/me invites that are already closed here', () => {
    const invites: InviteInfo[] = [
      {
        inviteId: 'i-1',
        direction: 'incoming',
        from: bobProfile,
        to: { userId: 'u-alice', name: null },
        expiresAt: 'x',
      },
    ];
    const s = run(home(), push(received), push({ type: 'invite.expired', inviteId: 'i-1' }), {
      type: 'me.loaded',
      me: me({ invites }),
    });
    expect(s.incoming).toEqual([]);
  });
});
