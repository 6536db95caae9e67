// What the reducer's tests build states from: a person, a session, pushes, and a run of actions.
import type { PushMessage, Me } from '../api/types';
import { initialState, reducer, type Action, type AppState } from './machine';

// One kind of push, so a test may spread it and add that kind's fields.
type Pushed<T extends PushMessage['type']> = Extract<PushMessage, { type: T }>;

export function me(overrides: Partial<Me> = {}): Me {
  return {
    userId: 'u-alice',
    email: 'alice@example.com',
    name: 'Alice',
    preferences: {
      name: null,
      speaks: ['en'],
      learns: ['es'],
      uiLanguage: null,
      levels: {},
      welcomesFrom: 'A1',
    },
    points: { left: 15, used: 0, held: 0, resetsAt: '2030-01-02T00:00:00Z' },
    ticket: null,
    session: null,
    invites: [],
    ...overrides,
  };
}

export const SESSION = {
  sessionId: 's-1',
  partner: { userId: 'u-bob', name: 'Bob' },
  startsAt: '2030-01-01T12:00:00Z',
  endsAt: '2030-01-01T12:15:00Z',
  mediaMode: 'direct' as const,
  role: 'offerer' as const,
};

// As pushed: the partner by id only (the name comes with GET /v1/me).
export const started: Pushed<'session.started'> = {
  type: 'session.started',
  ...SESSION,
  partner: { userId: SESSION.partner.userId },
};
export const ended: Pushed<'session.ended'> = {
  type: 'session.ended',
  sessionId: 's-1',
  reason: 'time_up',
  startedAt: SESSION.startsAt,
  endedAt: SESSION.endsAt,
  minutesUsed: 15,
};
export const waiting = (
  lookingFor: 'tandem' | 'one_sided' | 'anyone',
  ticketId = 't-1',
): PushMessage => ({
  type: 'ticket.waiting',
  ticketId,
  lookingFor,
  waitingSince: '2030-01-01T11:59:00Z',
});
export const bobProfile = { userId: 'u-bob', name: 'Bob', speaks: ['es'], learns: ['en'] };
export const received: Pushed<'invite.received'> = {
  type: 'invite.received',
  inviteId: 'i-1',
  from: bobProfile,
  expiresAt: '2030-01-01T12:01:00Z',
};

export const push = (message: PushMessage): Action => ({ type: 'push', message });
export const run = (state: AppState, ...actions: Action[]) => actions.reduce(reducer, state);
export const home = () => run(initialState('loading'), { type: 'me.loaded', me: me() });
// In a call as the SPA is after the push and the /v1/me read it triggers.
export const inCall = () =>
  run(home(), push(started), {
    type: 'me.loaded',
    me: me({ session: { ...SESSION, limitedBy: null, topic: null } }),
  });
