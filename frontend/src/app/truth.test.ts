import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/http';
import { sentenceForCode, sentenceForError } from '../api/problems';
import type { SocketStatus } from '../api/ws';
import { englishTranslator as en } from '../i18n/english';
import { loadTranslator } from '../i18n/catalogues';
import { LOCALES } from '../i18n/locales';
import type { AppState } from '../state/types';
import {
  endedRefusal,
  FALLBACK_REREAD_MS,
  rereadRetryMs,
  signInEndedBy,
  startFallbackReread,
} from './truth';

afterEach(() => vi.useRealTimers());

/** The controller's clock, fed the page's state as the controller feeds it (its state ref). */
function clock(initial: Pick<AppState, 'phase' | 'socket'>) {
  const state = { ...initial };
  let rereads = 0;
  const stop = startFallbackReread(
    () => state.socket,
    () => (rereads += 1),
  );
  return { state, rereads: () => rereads, stop };
}

describe('the periodic re-read of GET /v1/me', () => {
  it.each(['in-call', 'waiting', 'home'] as const)(
    'never runs while %s with the socket open',
    async (phase) => {
      vi.useFakeTimers();
      const c = clock({ phase, socket: 'open' });
      await vi.advanceTimersByTimeAsync(10 * 60_000); // a whole conversation
      expect(c.rereads()).toBe(0);
      c.stop();
    },
  );

  it.each(['reconnecting', 'connecting', 'limited', 'closed'] as SocketStatus[])(
    'runs every 30 s while the socket is %s, and stops once it is open again',
    async (socket) => {
      vi.useFakeTimers();
      const c = clock({ phase: 'in-call', socket });
      await vi.advanceTimersByTimeAsync(FALLBACK_REREAD_MS - 1);
      expect(c.rereads()).toBe(0);
      await vi.advanceTimersByTimeAsync(1);
      expect(c.rereads()).toBe(1);
      await vi.advanceTimersByTimeAsync(2 * FALLBACK_REREAD_MS);
      expect(c.rereads()).toBe(3);
      c.state.socket = 'open';
      await vi.advanceTimersByTimeAsync(5 * FALLBACK_REREAD_MS);
      expect(c.rereads()).toBe(3);
      c.stop();
    },
  );

  it('stops with the page (sign-out)', async () => {
    vi.useFakeTimers();
    const c = clock({ phase: 'waiting', socket: 'reconnecting' });
    c.stop();
    await vi.advanceTimersByTimeAsync(5 * FALLBACK_REREAD_MS);
    expect(c.rereads()).toBe(0);
  });
});

describe('answers that end the sign-in', () => {
  it('a ban or a deleted account, from any request', () => {
    expect(signInEndedBy(new ApiError({ status: 403, code: 'banned' }))).toBe('banned');
    expect(signInEndedBy(new ApiError({ status: 401, code: 'account-deleted' }))).toBe('deleted');
  });

  it('not a suspension, a plain 401 or a network failure', () => {
    expect(signInEndedBy(new ApiError({ status: 403, code: 'suspended' }))).toBeNull();
    expect(signInEndedBy(new ApiError({ status: 401, code: 'unauthorized' }))).toBeNull();
    expect(signInEndedBy(new ApiError({ status: 0, code: 'network' }))).toBeNull();
    expect(signInEndedBy(new Error('boom'))).toBeNull();
  });

  it('says why on the signed-out page', () => {
    expect(sentenceForError(en, endedRefusal('banned'))).toMatch(/barred/);
    expect(sentenceForError(en, endedRefusal('deleted'))).toBe(
      sentenceForCode(en, 'account-deleted'),
    );
  });
});

describe('a socket refused for a limit', () => {
  const fallback = sentenceForCode(en, 'some-code-nobody-knows');

  it('says to close another tab, in every language', async () => {
    for (const locale of LOCALES) {
      const tr = await loadTranslator(locale);
      const said = sentenceForError(tr, new ApiError({ status: 409, code: 'too-many-sockets' }));
      expect(said, locale).not.toBe(tr.t('problem.fallback'));
    }
    expect(sentenceForCode(en, 'too-many-sockets')).not.toBe(fallback);
    expect(sentenceForCode(en, 'too-many-sockets')).toMatch(/tabs/);
  });

  it('says when a refused connect is tried again', () => {
    const error = new ApiError({ status: 429, code: 'rate-limited', retryAfterS: 60 });
    expect(sentenceForError(en, error)).toMatch(/1 min|60 s/);
  });
});

describe('a re-read that got no answer', () => {
  it('is asked again after 1 s, then 2, 4, 8, 16 and every 30 s', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 20].map(rereadRetryMs);
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });
});
