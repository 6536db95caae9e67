import { describe, expect, it } from 'vitest';
import { initialState, type AppState } from '../state/types';
import { alertFor } from './attention';
import { englishTranslator as en } from '../i18n/english';

const home = (): AppState => ({ ...initialState('home') });
const invite = (id: string, name = 'Carol') => ({
  inviteId: id,
  from: { userId: `u-${id}`, name, speaks: [], learns: [] },
  expiresAt: '2026-01-01T00:01:00Z',
  answering: null,
});

describe('alertFor', () => {
  it('alerts once for a new incoming invite, naming who invites', () => {
    const before = home();
    const after = { ...before, incoming: [invite('i1')] };
    const alert = alertFor(en, before, after);
    expect(alert?.key).toBe('invite:i1');
    expect(alert?.title).toContain('Carol invites you');
    expect(alertFor(en, after, { ...after })).toBeNull();
  });

  it('counts invites in the title when a second one arrives', () => {
    const one = { ...home(), incoming: [invite('i1')] };
    const two = { ...one, incoming: [invite('i1'), invite('i2', 'Dave')] };
    expect(alertFor(en, one, two)?.title).toMatch(/^\(2\) Dave invites you/);
  });

  it('alerts when a conversation starts, not again for the same one', () => {
    const waiting = { ...home(), phase: 'waiting' as const };
    const session = {
      sessionId: 's1',
      partner: { userId: 'b', name: 'Bob' },
      startsAt: '2026-01-01T00:00:00Z',
      endsAt: '2026-01-01T00:15:00Z',
      mediaMode: 'direct' as const,
      role: 'offerer' as const,
      limitedBy: null,
      topic: null,
    };
    const inCall = { ...waiting, phase: 'in-call' as const, session };
    expect(alertFor(en, waiting, inCall)).toMatchObject({ key: 'session:s1' });
    expect(alertFor(en, inCall, { ...inCall })).toBeNull();
  });

  it('stays quiet when an invite goes away', () => {
    const one = { ...home(), incoming: [invite('i1')] };
    expect(alertFor(en, one, home())).toBeNull();
  });
});
