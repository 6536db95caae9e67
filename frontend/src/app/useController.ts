// Wires the pure state machine to the world: the API, the WebSocket, sign-in and timers.

import {
  useCallback,
  useEffect,
  useLayoutEffect,
  useMemo,
  useReducer,
  useRef,
  useState,
} from 'react';
import { hostedSignOutUrl, passwordSignIn, SignInError, startHostedSignIn } from '../api/cognito';
import { ParleyApi } from '../api/endpoints';
import { ApiError, HttpClient, type FieldError } from '../api/http';
import { isRetryable, nameFieldError } from '../api/problems';
import type { AppConfig, Preferences, Profile, PushMessage, ReportReason } from '../api/types';
import { PushSocket, socketUrl, type SocketEnd, type SocketLimit } from '../api/ws';
import { useT } from '../i18n/context';
import { exposeForTests } from '../lib/testHook';
import { loadChoice } from '../media/devices';
import { checkDevices, readinessOf, type Readiness } from '../media/readiness';
import { SignalInbox } from '../media/signalling';
import { initialState, reducer, type AppState } from '../state/machine';
import { AuthSession } from './auth';
import { useAttention } from './useAttention';
import { endedRefusal, rereadRetryMs, signInEndedBy, startFallbackReread } from './truth';
import { hashOf, viewOf, type View } from './view';

/** Refusals that mean this page's idea of things is out of date: re-read the truth. */
const STALE_CODES = new Set([
  'already-waiting',
  'in-session',
  'no-ticket',
  'session-not-live',
  'invite-not-found',
  'not-a-participant',
]);

/** Pushes after which the points or the live state have surely moved. */
const REREAD_AFTER = new Set<PushMessage['type']>([
  'session.started', // the pushed message names the partner by id; /v1/me has their name
  'session.ended',
  'ticket.rejected',
  'ticket.cancelled',
  'invite.declined',
  'invite.expired',
  'invite.cancelled',
  'invite.rejected',
  'invite.accept_failed',
]);

export function useController(config: AppConfig) {
  const [state, dispatch] = useReducer(reducer, undefined, () => initialState('loading'));
  const stateRef = useRef<AppState>(state);
  // The latest state for callbacks made once; written after render, never during it.
  useLayoutEffect(() => {
    stateRef.current = state;
  });
  const retryRef = useRef<(() => void) | null>(null);
  const reading = useRef<{ busy: boolean; again: boolean }>({ busy: false, again: false });
  // A re-read that got no answer is asked again (truth.ts): how many in a row, and the timer.
  const rereadFailures = useRef(0);
  const rereadRetry = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const reloadMeRef = useRef<() => Promise<void>>(async () => {});

  const signOutRef = useRef<() => void>(() => {});
  const onSignedOut = useCallback(() => signOutRef.current(), []);
  // The session and the client keep `onSignedOut` to call later, on a 401 or a lapsed refresh;
  // neither calls it while they are built, so no ref is read during render.
  // eslint-disable-next-line react-hooks/refs
  const auth = useMemo(() => new AuthSession(config.auth, onSignedOut), [config, onSignedOut]);
  const api = useMemo(
    () =>
      new ParleyApi(
        // eslint-disable-next-line react-hooks/refs -- `onSignedOut` is kept for a later 401
        new HttpClient({
          getToken: () => auth.idToken,
          onUnauthorized: onSignedOut,
        }),
      ),
    [auth, onSignedOut],
  );
  const inbox = useMemo(() => new SignalInbox(), []);

  // Why the sign-in was ended by the server (a ban, the account deleted), kept until the
  // person signs in again or dismisses it: a late 401 of the page being left (its token is
  // gone) signs out once more, and must not wipe the sentence.
  const endedRef = useRef<SocketEnd | null>(null);

  const signOut = useCallback(
    (everywhere = false) => {
      auth.clear();
      inbox.reset();
      dispatch({ type: 'signed-out' });
      const ended = endedRef.current;
      if (ended) {
        retryRef.current = null;
        dispatch({ type: 'refusal', refusal: { error: endedRefusal(ended), retryable: false } });
      }
      // Pressing "Sign out" also ends the hosted-UI session; an expired token only forgets.
      const logout = everywhere ? hostedSignOutUrl(config.auth, location.origin) : null;
      if (logout) location.assign(logout);
    },
    [auth, inbox, config],
  );
  useLayoutEffect(() => {
    signOutRef.current = signOut;
  });

  /** Banned, or the account deleted elsewhere: signed out here at once, and told why. */
  const endSignIn = useCallback(
    (why: SocketEnd) => {
      endedRef.current = why;
      signOut(false);
    },
    [signOut],
  );

  // ---- the truth -------------------------------------------------------------------------

  const reloadMe = useCallback(async () => {
    if (reading.current.busy) {
      reading.current.again = true;
      return;
    }
    reading.current = { busy: true, again: false };
    try {
      dispatch({ type: 'me.requested' });
      const me = await api.me();
      rereadFailures.current = 0;
      dispatch({ type: 'me.loaded', me });
    } catch (error) {
      const ended = signInEndedBy(error);
      if (ended) endSignIn(ended);
      else if (stateRef.current.phase !== 'loading' && isRetryable(error)) {
        // Signed in: the answer may hold what a dropped socket missed; ask again.
        rereadFailures.current += 1;
        clearTimeout(rereadRetry.current);
        rereadRetry.current = setTimeout(
          () => void reloadMeRef.current(),
          rereadRetryMs(rereadFailures.current),
        );
      } else if (
        stateRef.current.phase === 'loading' &&
        !(error instanceof ApiError && error.status === 401)
      ) {
        // A ban or suspension (403) is not helped by trying again.
        const retryable = isRetryable(error);
        retryRef.current = retryable ? () => void reloadMe() : null;
        dispatch({ type: 'refusal', refusal: { error, retryable } });
      }
    } finally {
      const again = reading.current.again;
      reading.current = { busy: false, again: false };
      if (again) void reloadMe();
    }
  }, [api, endSignIn]);
  useLayoutEffect(() => {
    reloadMeRef.current = reloadMe;
  });
  useEffect(() => () => clearTimeout(rereadRetry.current), []);

  /** Runs one user action; a refusal becomes a sentence with a Retry where that may help. */
  const run = useCallback(
    async (action: () => Promise<unknown>): Promise<boolean> => {
      try {
        await action();
        return true;
      } catch (error) {
        const ended = signInEndedBy(error);
        if (ended) {
          endSignIn(ended);
          return false;
        }
        if (error instanceof ApiError && error.status === 401) return false;
        const retryable = isRetryable(error);
        retryRef.current = retryable ? () => void run(action) : null;
        dispatch({ type: 'refusal', refusal: { error, retryable } });
        if (error instanceof ApiError && STALE_CODES.has(error.code)) void reloadMe();
        return false;
      }
    },
    [reloadMe, endSignIn],
  );

  // ---- sign-in ---------------------------------------------------------------------------

  const [restored, setRestored] = useState(false);
  useEffect(() => {
    let cancelled = false;
    auth.restore().then(
      (ok) => {
        if (cancelled) return;
        dispatch({ type: ok ? 'signed-in' : 'signed-out' });
        setRestored(true);
      },
      (error: unknown) => {
        if (cancelled) return;
        dispatch({ type: 'signed-out' });
        if (error instanceof SignInError) {
          dispatch({ type: 'refusal', refusal: { error, retryable: false } });
        }
        setRestored(true);
      },
    );
    return () => {
      cancelled = true;
    };
  }, [auth]);

  const signedIn = restored && state.phase !== 'signed-out';

  useEffect(() => {
    if (restored && state.phase === 'loading') void reloadMe();
  }, [restored, state.phase, reloadMe]);

  // ---- the WebSocket ---------------------------------------------------------------------

  // Pushes and close codes bring everything that changes while one waits or talks (truth.ts):
  // the page re-reads `GET /v1/me` on each (re)connect and, only while the socket is not
  // open, every 30 s.
  useEffect(() => {
    if (!signedIn) return;
    // Why the socket was refused for a limit, shown until it opens again.
    let limitedBy: ApiError | null = null;
    const socket = new PushSocket({
      url: () =>
        auth.idToken ? socketUrl(config.websocketUrl, auth.idToken, location.href) : null,
      onOpen: () => {
        if (limitedBy && stateRef.current.refusal?.error === limitedBy) {
          retryRef.current = null;
          dispatch({ type: 'refusal.dismissed' });
        }
        limitedBy = null;
        void reloadMe();
      },
      onStatus: (status) => {
        dispatch({ type: 'socket', status });
        if (status === 'reconnecting') void reloadMe();
      },
      onUnauthorized: () => signOutRef.current(),
      onEnded: (why) => endSignIn(why),
      onLimited: (why: SocketLimit, retryInMs) => {
        const status = why === 'too-many-sockets' ? 409 : 429;
        limitedBy = new ApiError({ status, code: why, retryAfterS: Math.ceil(retryInMs / 1000) });
        retryRef.current = () => socket.reconnectNow();
        dispatch({ type: 'refusal', refusal: { error: limitedBy, retryable: true } });
        void reloadMe();
      },
      onMessage: (message) => {
        if (message.type === 'signal') inbox.push(message);
        dispatch({ type: 'push', message });
        if (REREAD_AFTER.has(message.type)) void reloadMe();
      },
    });
    socket.start();
    const onVisible = () => {
      if (document.visibilityState !== 'visible') return;
      socket.reconnectNow();
      void reloadMe();
    };
    document.addEventListener('visibilitychange', onVisible);
    const stopFallback = startFallbackReread(
      () => stateRef.current.socket,
      () => void reloadMe(),
    );
    return () => {
      document.removeEventListener('visibilitychange', onVisible);
      stopFallback();
      socket.stop();
    };
  }, [signedIn, auth, config.websocketUrl, inbox, reloadMe, endSignIn]);

  useEffect(() => {
    if (state.meStale) void reloadMe();
  }, [state.meStale, reloadMe]);

  useEffect(() => {
    exposeForTests({ state: state.phase });
  }, [state.phase]);

  const tr = useT();
  useAttention(state, tr);

  // ---- devices and pages -----------------------------------------------------------------

  const [readiness, setReadiness] = useState<Readiness>('unchecked');
  const devices = useMemo(() => ({ readiness, setReadiness }), [readiness]);

  const [view, setView] = useState<View>(() => viewOf(location.hash));
  useEffect(() => {
    const onHash = () => setView(viewOf(location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  const go = useCallback((next: View) => {
    if (viewOf(location.hash) !== next) location.hash = hashOf(next);
    setView(next);
  }, []);

  // ---- actions ---------------------------------------------------------------------------

  const readinessRef = useRef(readiness);
  useLayoutEffect(() => {
    readinessRef.current = readiness;
  });

  const actions = useMemo(() => {
    /** Before accepting, the devices are asked for (once): never first after the match. */
    const ensureDevices = async () => {
      if (readinessRef.current !== 'unchecked' || !navigator.mediaDevices?.getUserMedia) return;
      const got = await checkDevices((c) => navigator.mediaDevices.getUserMedia(c), loadChoice());
      got.stream?.getTracks().forEach((t) => t.stop());
      setReadiness(readinessOf(got));
    };
    const answerInvite = async (inviteId: string, answer: 'accept' | 'decline') => {
      dispatch({ type: 'invite.answering', inviteId, answer });
      if (answer === 'accept') await ensureDevices();
      return run(async () => {
        try {
          if (answer === 'accept') await api.acceptInvite(inviteId);
          else {
            await api.declineInvite(inviteId);
            dispatch({ type: 'invite.declined-here', inviteId });
          }
        } catch (error) {
          dispatch({ type: 'invite.answer-failed', inviteId });
          throw error;
        }
      });
    };
    return {
      async signInWithPassword(username: string, password: string) {
        // A new attempt: why the last sign-in ended is no longer the news (the form shows
        // this attempt's own refusal, if any).
        dispatch({ type: 'refusal.dismissed' });
        auth.set(await passwordSignIn(config.auth, username, password));
        endedRef.current = null;
        dispatch({ type: 'signed-in' });
      },
      signInWithGoogle: () => startHostedSignIn(config.auth),
      signOut: () => signOut(true),
      reloadMe: () => void reloadMe(),
      joinQueue: () =>
        run(async () => {
          const { ticketId } = await api.joinQueue();
          dispatch({ type: 'queue.joined', ticketId });
        }),
      leaveQueue: () =>
        run(async () => {
          const answer = await api.leaveQueue().catch((error: unknown) => {
            if (error instanceof ApiError && error.code === 'no-ticket') return null;
            throw error;
          });
          dispatch({ type: 'queue.left', ticketId: answer?.ticketId ?? null });
        }),
      invite: (person: Profile) =>
        run(async () => {
          // Inviting starts a call once accepted: the devices are asked for now, not later.
          await ensureDevices();
          const { inviteId, expiresAt } = await api.invite(person.userId);
          dispatch({ type: 'invite.sent', inviteId, expiresAt, to: person });
        }),
      accept: (inviteId: string) => answerInvite(inviteId, 'accept'),
      decline: (inviteId: string) => answerInvite(inviteId, 'decline'),
      withdraw: (inviteId: string) =>
        run(async () => {
          await api.withdrawInvite(inviteId);
          dispatch({ type: 'invite.withdrawn-here', inviteId });
        }),
      inviteLapsed: (inviteId: string) => {
        dispatch({ type: 'invite.lapsed', inviteId });
        void reloadMe();
      },
      stop: (sessionId: string) =>
        run(async () => {
          dispatch({ type: 'session.stopping' });
          await api.stopSession(sessionId).catch((error: unknown) => {
            dispatch({ type: 'session.stop-failed' });
            throw error;
          });
        }),
      /** Runs a request of a page's own; a refusal shows in the banner. True when it worked. */
      run: (action: () => Promise<unknown>) => run(action),
      /** Sign out in a call: end it first (a clean Stop for both), then sign out. */
      signOutDuringCall: async (sessionId: string) => {
        dispatch({ type: 'session.stopping' });
        await api.stopSession(sessionId).catch(() => {
          // Already over, or unreachable: signing out still goes ahead; the server ends a
          // call whose people left.
        });
        signOut(true);
      },
      closeSummary: () => dispatch({ type: 'summary.closed' }),
      /** Saved: true; a refused display name is the settings' to show (by its field). */
      savePreferences: async (preferences: Preferences): Promise<true | FieldError | false> => {
        let nameRefused: FieldError | null = null;
        const ok = await run(async () => {
          try {
            await api.putPreferences(preferences);
          } catch (error) {
            nameRefused = nameFieldError(error);
            if (!nameRefused) throw error;
            return;
          }
          await reloadMe();
        });
        return nameRefused ?? ok;
      },
      block: (userId: string) => run(() => api.block(userId)),
      unblock: (userId: string) => run(() => api.unblock(userId)),
      /** 'sent', 'already' (this conversation was reported before: that is fine), or false. */
      report: async (
        userId: string,
        reason: ReportReason,
        sessionId?: string,
        note?: string,
      ): Promise<'sent' | 'already' | false> => {
        let already = false;
        const ok = await run(async () => {
          try {
            await api.report({ userId, reason, sessionId, note: note || undefined });
          } catch (error) {
            already = error instanceof ApiError && error.code === 'already-reported';
            if (!already) throw error;
          }
        });
        return already ? 'already' : ok && 'sent';
      },
      dismissRefusal: () => {
        endedRef.current = null;
        retryRef.current = null;
        dispatch({ type: 'refusal.dismissed' });
      },
      retry: () => {
        const again = retryRef.current;
        retryRef.current = null;
        dispatch({ type: 'refusal.dismissed' });
        again?.();
      },
      dismissOutcome: () => dispatch({ type: 'outcome.dismissed' }),
    };
  }, [api, auth, config, run, reloadMe, signOut]);

  /** Read at any moment (e.g. while a page unmounts), not just at render. */
  const isSessionOver = useCallback(
    (sessionId: string) => stateRef.current.closed.sessions.includes(sessionId),
    [],
  );

  return {
    state,
    config,
    api,
    inbox,
    clock: api.http.clock,
    actions,
    isSessionOver,
    devices,
    view,
    go,
  };
}

export type Controller = ReturnType<typeof useController>;
