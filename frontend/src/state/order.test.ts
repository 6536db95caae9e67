import { describe, expect, it } from 'vitest';
import type { PushMessage } from '../api/types';
import { initialState, reducer, type Action, type AppState } from './machine';
import { me } from './machine.builders';
import { advance, instantKey, isOlder } from './order';

// Pushed messages about one person travel in several FIFO groups (the person's own, each
// session's, each invite's). Inside a group they keep their order; across groups any
// interleaving can reach the browser when several notifier instances push. Whatever the
// interleaving, the person must end where the events put them.

const at = (n: number) => `2030-01-01T12:00:${String(n).padStart(2, '0')}.000000Z`;

const waiting = (ticketId: string, t: number): PushMessage => ({
  type: 'ticket.waiting',
  ticketId,
  lookingFor: 'anyone',
  waitingSince: at(t),
  occurredAt: at(t),
});
const started = (sessionId: string, t: number, inviteId?: string): PushMessage => ({
  type: 'session.started',
  sessionId,
  startsAt: at(t),
  endsAt: '2030-01-01T12:15:00Z',
  mediaMode: 'direct',
  role: 'offerer',
  partner: { userId: 'u-bob' },
  ...(inviteId ? { inviteId } : {}),
  occurredAt: at(t),
});
const ended = (sessionId: string, t: number): PushMessage => ({
  type: 'session.ended',
  sessionId,
  reason: 'stopped',
  startedAt: at(t - 1),
  endedAt: at(t),
  minutesUsed: 1,
  occurredAt: at(t),
});
const points = (left: number, used: number, held: number, t: number): PushMessage => ({
  type: 'points.changed',
  left,
  used,
  held,
  resetsAt: '2030-01-02T00:00:00Z',
  occurredAt: at(t),
});

const push = (message: PushMessage): Action => ({ type: 'push', message });
const home = (): AppState => reducer(initialState('loading'), { type: 'me.loaded', me: me() });
const deliver = (messages: PushMessage[], from: AppState = home()) =>
  messages.map(push).reduce(reducer, from);

/** Every merge of the groups that keeps each group's own order. */
function interleavings<T>(groups: T[][]): T[][] {
  const live = groups.filter((g) => g.length > 0);
  if (live.length === 0) return [[]];
  return live.flatMap((group, i) => {
    const rest = live.map((g, j) => (j === i ? g.slice(1) : g));
    return interleavings(rest).map((tail) => [group[0] as T, ...tail]);
  });
}

describe('time stamps', () => {
  it('compares the UTC forms the server writes by the instant they name', () => {
    expect(instantKey('2030-01-01T12:00:00Z')).toBe('2030-01-01T12:00:00.000000Z');
    expect(instantKey('2030-01-01T12:00:00.5+00:00')).toBe('2030-01-01T12:00:00.500000Z');
    expect(instantKey('2030-01-01T12:00:00.123456789Z')).toBe('2030-01-01T12:00:00.123456Z');
    expect(instantKey('2030-01-01T13:00:00.250+01:00')).toBe('2030-01-01T12:00:00.250000Z');
    expect(instantKey('not a time')).toBeNull();
    expect(isOlder('2030-01-01T12:00:00.000001Z', '2030-01-01T12:00:00.00001Z')).toBe(true);
    expect(isOlder('2030-01-01T12:00:00Z', '2030-01-01T12:00:00.000000Z')).toBe(false);
  });

  it('treats a message without a time as not older, and never moves a mark back', () => {
    expect(isOlder(undefined, at(5))).toBe(false);
    expect(isOlder(at(1), null)).toBe(false);
    expect(advance(at(5), at(3))).toBe(at(5));
    expect(advance(at(5), undefined)).toBe(at(5));
    expect(advance(null, at(3))).toBe(at(3));
  });
});

describe('messages applied in event order, whatever order they arrive in', () => {
  // Alice waits, talks in s-1, stops, joins again and is in s-2 with her points held again.
  const user = [
    waiting('t-1', 1),
    points(14, 0, 1, 1),
    points(13, 1, 0, 3),
    waiting('t-2', 4),
    points(12, 1, 1, 5),
  ];
  const s1 = [started('s-1', 2), ended('s-1', 3)];
  const s2 = [started('s-2', 5)];
  const orders = interleavings([user, s1, s2]);

  it(`ends in the later call with the latest balance in all ${orders.length} orders`, () => {
    expect(orders).toHaveLength(168);
    for (const order of orders) {
      const state = deliver(order);
      const where = {
        phase: state.phase,
        session: state.session?.sessionId,
        points: state.me?.points.left,
      };
      expect(where, order.map((m) => m.type).join(' ')).toEqual({
        phase: 'in-call',
        session: 's-2',
        points: 12,
      });
      expect(state.closed.sessions).toContain('s-1');
    }
  });

  it('does not leave a call for the start or the end of an earlier session', () => {
    const state = deliver([started('s-2', 5), started('s-1', 2), ended('s-1', 3)]);
    expect(state.phase).toBe('in-call');
    expect(state.session?.sessionId).toBe('s-2');
    expect(state.summary).toBeNull();
  });

  it('does not go back to waiting for a ticket whose session has already come and gone', () => {
    let state = deliver([started('s-1', 2), ended('s-1', 3)]);
    state = reducer(state, { type: 'summary.closed' });
    state = deliver([waiting('t-1', 1)], state);
    expect(state.phase).toBe('home');
    expect(state.ticket).toBeNull();
  });

  it('keeps the newer balance when an older one arrives after it', () => {
    const state = deliver([points(12, 2, 1, 7), points(14, 0, 1, 4)]);
    expect(state.me?.points).toMatchObject({ left: 12, used: 2, held: 1 });
  });

  it('an invite answered by its session stays closed whichever message comes first', () => {
    const received: PushMessage = {
      type: 'invite.received',
      inviteId: 'i-1',
      from: { userId: 'u-bob', name: 'Bob', speaks: ['es'], learns: ['en'] },
      expiresAt: at(30),
      occurredAt: at(1),
    };
    const accepted: PushMessage = {
      type: 'invite.accepted',
      inviteId: 'i-1',
      sessionId: 's-1',
      occurredAt: at(2),
    };
    const orders = interleavings([[received], [started('s-1', 2, 'i-1'), accepted]]);
    expect(orders).toHaveLength(3);
    for (const order of orders) {
      const state = deliver(order);
      expect(state.phase).toBe('in-call');
      expect(state.incoming).toEqual([]);
    }
  });

  it('an older start than the session /v1/me shows is ignored', () => {
    const live = {
      sessionId: 's-2',
      partner: { userId: 'u-bob', name: null },
      startsAt: at(5),
      endsAt: '2030-01-01T12:15:00Z',
      mediaMode: 'direct' as const,
      role: 'answerer' as const,
      limitedBy: null,
      topic: null,
    };
    const loaded = reducer(initialState('loading'), {
      type: 'me.loaded',
      me: { ...me(), session: live },
    });
    const state = deliver([started('s-1', 2)], loaded);
    expect(state.session?.sessionId).toBe('s-2');
  });

  it('still applies messages without a time (from a notifier before stamps) as they come', () => {
    const { occurredAt: _a, ...unstampedStart } = started('s-1', 2);
    const { occurredAt: _b, ...unstampedEnd } = ended('s-1', 3);
    const state = deliver([waiting('t-2', 4), unstampedStart as PushMessage]);
    expect(state.phase).toBe('in-call');
    expect(deliver([unstampedEnd as PushMessage], state).phase).toBe('summary');
  });
});
