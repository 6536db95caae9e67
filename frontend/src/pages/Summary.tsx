import { useEffect } from 'react';
import { useParley } from '../app/context';
import { endReasonSentence } from '../api/problems';
import type { PersonRef } from '../api/types';
import { LengthNote } from '../components/LengthNote';
import { Progress } from '../components/Progress';
import { Safety } from '../components/Safety';
import { TalkAgain } from '../components/TalkAgain';
import { useLoader } from '../hooks/useLoader';
import { whyItWasShort } from '../lib/sessionLength';

const SETTLE_REREAD_MS = 3_000;

export function Summary() {
  const { state, api, actions } = useParley();
  const summary = state.summary;
  // When the end was learnt from /v1/me, the minutes and partner come from the history.
  const history = useLoader(
    () => (summary?.minutesUsed === null ? api.sessions({ limit: 5 }) : Promise.resolve(null)),
    summary?.sessionId,
  );
  const settled = summary?.settled ?? true;
  useEffect(() => {
    // points.changed is a hint that may be lost: re-read the truth until the hold is settled.
    if (settled) return;
    const timer = setInterval(actions.reloadMe, SETTLE_REREAD_MS);
    return () => clearInterval(timer);
  }, [settled, actions]);
  if (!summary) return null;
  const past = history.data?.sessions.find((s) => s.sessionId === summary.sessionId);
  const minutes = summary.minutesUsed ?? past?.minutes ?? null;
  const partner: PersonRef | null = summary.partner ?? past?.partner ?? null;
  const reason = summary.reason ?? past?.reason;

  return (
    <main className="page narrow" id="main" data-testid="summary">
      <section className="card center">
        <h1>Conversation over</h1>
        <p className="muted">
          {endReasonSentence(reason ?? undefined, summary.stoppedByMe, summary.partnerNoShow)}
        </p>
        {minutes === null ? (
          history.loading ? (
            <Progress text="Adding up your minutes…" />
          ) : (
            <p className="muted">
              Your minutes will show in your history shortly.{' '}
              <button className="link" onClick={history.reload}>
                Retry
              </button>
            </p>
          )
        ) : (
          <p className="points">
            You talked for <strong data-testid="minutes-used">{minutes}</strong>{' '}
            {minutes === 1 ? 'minute' : 'minutes'}
            {partner?.name ? ` with ${partner.name}` : ''}.
          </p>
        )}
        <LengthNote text={whyItWasShort(summary.limit ?? null, reason, partner?.name)} />
        {/* Until the ledger settles, the figure would still count the held points: wait. */}
        {state.me && summary.settled ? (
          <p>
            <strong data-testid="points-left">{state.me.points.left}</strong>{' '}
            {state.me.points.left === 1 ? 'point' : 'points'} left today.
          </p>
        ) : (
          <div data-testid="points-settling">
            <Progress text="Settling your points…" />
          </div>
        )}
        {summary.partnerNoShow && (
          <button
            className="big"
            data-testid="join-again"
            onClick={() => {
              actions.closeSummary();
              actions.joinQueue();
            }}
          >
            Join again
          </button>
        )}
        <button className="big" data-testid="back-home" onClick={actions.closeSummary}>
          Done
        </button>
      </section>
      {partner && minutes !== null && minutes > 0 && (
        <TalkAgain partner={partner} sessionId={summary.sessionId} />
      )}
      {partner && (
        <section className="card" aria-labelledby="safety-title">
          <h2 id="safety-title">Something wrong?</h2>
          <Safety partner={partner} sessionId={summary.sessionId} />
        </section>
      )}
    </main>
  );
}
