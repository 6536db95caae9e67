import { useEffect } from 'react';
import { useParley } from '../app/context';
import { endReasonSentence } from '../api/problems';
import type { PersonRef } from '../api/types';
import { LengthNote } from '../components/LengthNote';
import { Progress } from '../components/Progress';
import { Safety } from '../components/Safety';
import { TalkAgain } from '../components/TalkAgain';
import { useLoader } from '../hooks/useLoader';
import { useT } from '../i18n/context';
import { whyItWasShort } from '../lib/sessionLength';

const SETTLE_REREAD_MS = 3_000;

export function Summary() {
  const { state, api, actions } = useParley();
  const tr = useT();
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
        <h1>{tr.t('summary.title')}</h1>
        <p className="muted">
          {endReasonSentence(tr, reason ?? undefined, summary.stoppedByMe, summary.partnerNoShow)}
        </p>
        {minutes === null ? (
          history.loading ? (
            <Progress text={tr.t('summary.adding')} />
          ) : (
            <p className="muted">
              {tr.t('summary.later')}{' '}
              <button className="link" onClick={history.reload}>
                {tr.t('common.retry')}
              </button>
            </p>
          )
        ) : (
          <p className="points">
            {tr.rich(partner?.name ? 'summary.talkedWith' : 'summary.talked', {
              count: minutes,
              name: partner?.name ?? '',
              b: (c) => <strong data-testid="minutes-used">{c}</strong>,
            })}
          </p>
        )}
        <LengthNote text={whyItWasShort(tr, summary.limit ?? null, reason, partner?.name)} />
        {/* Until the ledger settles, the figure would still count the held points: wait. */}
        {state.me && summary.settled ? (
          <p>
            {tr.rich('summary.pointsLeft', {
              count: state.me.points.left,
              b: (c) => <strong data-testid="points-left">{c}</strong>,
            })}
          </p>
        ) : (
          <div data-testid="points-settling">
            <Progress text={tr.t('summary.settling')} />
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
            {tr.t('summary.joinAgain')}
          </button>
        )}
        <button className="big" data-testid="back-home" onClick={actions.closeSummary}>
          {tr.t('summary.done')}
        </button>
      </section>
      {partner && minutes !== null && minutes > 0 && (
        <TalkAgain partner={partner} sessionId={summary.sessionId} />
      )}
      {partner && (
        <section className="card" aria-labelledby="safety-title">
          <h2 id="safety-title">{tr.t('summary.somethingWrong')}</h2>
          <Safety partner={partner} sessionId={summary.sessionId} />
        </section>
      )}
    </main>
  );
}
