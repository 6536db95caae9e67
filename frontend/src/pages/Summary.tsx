import { useEffect, useState } from 'react';
import type { FeedbackVerdict } from '../api/types';
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
          {endReasonSentence(
            tr,
            reason ?? undefined,
            summary.stoppedByMe,
            summary.partnerNoShow,
            partner?.name,
          )}
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
        <Feedback
          sessionId={summary.sessionId}
          name={partner.name || tr.t('common.yourPartnerLower')}
        />
      )}
      <WeekMinutes settled={summary.settled} />
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

/** "Good conversation" / "Not for me": private, once per conversation. */
function Feedback({ sessionId, name }: { sessionId: string; name: string }) {
  const { api, actions } = useParley();
  const tr = useT();
  const [given, setGiven] = useState<FeedbackVerdict | null>(null);
  const [sending, setSending] = useState(false);
  async function give(verdict: FeedbackVerdict) {
    setSending(true);
    if (await actions.run(() => api.feedback(sessionId, verdict))) setGiven(verdict);
    setSending(false);
  }
  return (
    <section className="card" aria-labelledby="feedback-title" data-testid="feedback">
      <h2 id="feedback-title">{tr.t('feedback.title')}</h2>
      {given ? (
        <p role="status" data-testid="feedback-thanks">
          {tr.t('feedback.thanks')}
        </p>
      ) : (
        <>
          <p className="muted small">{tr.t('feedback.private', { name })}</p>
          <div className="row">
            <button
              className="secondary"
              data-testid="feedback-good"
              disabled={sending}
              onClick={() => void give('good')}
            >
              {tr.t('feedback.good')}
            </button>
            <button
              className="secondary"
              data-testid="feedback-not-for-me"
              disabled={sending}
              onClick={() => void give('not_for_me')}
            >
              {tr.t('feedback.notForMe')}
            </button>
          </div>
        </>
      )}
    </section>
  );
}

/** Minutes spoken per language over the last 7 days (read again once the call is settled). */
function WeekMinutes({ settled }: { settled: boolean }) {
  const { api } = useParley();
  const tr = useT();
  const week = useLoader(() => api.minutes(7), settled);
  const data = week.data;
  if (!data || data.total <= 0) return null;
  return (
    <section className="card" aria-labelledby="minutes-title" data-testid="week-minutes">
      <h2 id="minutes-title">{tr.t('minutes.title')}</h2>
      <p>{tr.t('minutes.total', { minutes: tr.t('common.minutes', { count: data.total }) })}</p>
      <ul className="plain">
        {data.languages.map((l) => (
          <li key={l.language}>
            {tr.t('minutes.language', {
              language: tr.language(l.language),
              minutes: tr.t('common.minutes', { count: l.minutes }),
            })}
          </li>
        ))}
      </ul>
    </section>
  );
}
