import { useState } from 'react';
import { useParley } from '../app/context';
import { endReasonSentence } from '../api/problems';
import type { PersonRef, ReportReason } from '../api/types';
import { Progress } from '../components/Progress';
import { useLoader } from '../hooks/useLoader';

const REPORT_REASONS: Array<{ value: ReportReason; label: string }> = [
  { value: 'abuse', label: 'Abusive or threatening' },
  { value: 'inappropriate', label: 'Inappropriate' },
  { value: 'spam', label: 'Spam or selling' },
  { value: 'other', label: 'Something else' },
];

export function Summary() {
  const { state, api, actions } = useParley();
  const summary = state.summary;
  // When the end was learnt from /v1/me, the minutes and partner come from the history.
  const history = useLoader(
    () => (summary?.minutesUsed === null ? api.sessions() : Promise.resolve(null)),
    summary?.sessionId,
  );
  if (!summary) return null;
  const past = history.data?.sessions.find((s) => s.sessionId === summary.sessionId);
  const minutes = summary.minutesUsed ?? past?.minutes ?? null;
  const partner: PersonRef | null = summary.partner ?? past?.partner ?? null;
  const reason = summary.reason ?? past?.reason;

  return (
    <main className="page narrow" data-testid="summary">
      <section className="card center">
        <h1>Conversation over</h1>
        <p className="muted">{endReasonSentence(reason, summary.stoppedByMe)}</p>
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
        {state.me && (
          <p>
            <strong data-testid="points-left">{state.me.points.left}</strong>{' '}
            {state.me.points.left === 1 ? 'point' : 'points'} left today.
          </p>
        )}
        <button className="big" data-testid="back-home" onClick={actions.closeSummary}>
          Done
        </button>
      </section>
      {partner && <Safety partner={partner} sessionId={summary.sessionId} />}
    </main>
  );
}

function Safety({ partner, sessionId }: { partner: PersonRef; sessionId: string }) {
  const { actions } = useParley();
  const [blocked, setBlocked] = useState<'no' | 'busy' | 'yes'>('no');
  const [reported, setReported] = useState<'no' | 'busy' | 'yes'>('no');
  const [reason, setReason] = useState<ReportReason>('inappropriate');
  const [note, setNote] = useState('');
  const name = partner.name || 'this person';

  async function block() {
    setBlocked('busy');
    setBlocked((await actions.block(partner.userId)) ? 'yes' : 'no');
  }

  async function report() {
    setReported('busy');
    const ok = await actions.report(partner.userId, reason, sessionId, note.trim());
    setReported(ok ? 'yes' : 'no');
  }

  return (
    <section className="card">
      <h2>Something wrong?</h2>
      {blocked === 'yes' ? (
        <p data-testid="blocked">You will not be matched with {name} again.</p>
      ) : (
        <button
          className="secondary"
          data-testid="block"
          disabled={blocked === 'busy'}
          onClick={() => void block()}
        >
          {blocked === 'busy' ? 'Blocking…' : `Block ${name}`}
        </button>
      )}
      {reported === 'yes' ? (
        <p data-testid="reported">Thank you. Your report about {name} was sent.</p>
      ) : (
        <div className="stack">
          <label>
            Reason
            <select
              data-testid="report-reason"
              value={reason}
              onChange={(e) => setReason(e.target.value as ReportReason)}
            >
              {REPORT_REASONS.map((r) => (
                <option key={r.value} value={r.value}>
                  {r.label}
                </option>
              ))}
            </select>
          </label>
          <label>
            What happened (optional)
            <textarea
              data-testid="report-note"
              maxLength={1000}
              value={note}
              onChange={(e) => setNote(e.target.value)}
            />
          </label>
          <button
            className="secondary"
            data-testid="report"
            disabled={reported === 'busy'}
            onClick={() => void report()}
          >
            {reported === 'busy' ? 'Sending…' : `Report ${name}`}
          </button>
        </div>
      )}
    </section>
  );
}
