import { useState } from 'react';
import { useParley } from '../app/context';
import type { PersonRef, ReportReason } from '../api/types';

export const REPORT_REASONS: Array<{ value: ReportReason; label: string }> = [
  { value: 'abuse', label: 'Abusive or threatening' },
  { value: 'inappropriate', label: 'Inappropriate' },
  { value: 'spam', label: 'Spam or selling' },
  { value: 'other', label: 'Something else' },
];

type Step = 'no' | 'busy' | 'yes';

/** Block and report one person (from the summary, the call screen or the history). */
export function Safety({ partner, sessionId }: { partner: PersonRef; sessionId?: string }) {
  const { actions } = useParley();
  const [blocked, setBlocked] = useState<Step>('no');
  const [reported, setReported] = useState<Step>('no');
  const [reason, setReason] = useState<ReportReason>('inappropriate');
  const [note, setNote] = useState('');
  const name = partner.name || 'this person';
  const ids = `safety-${partner.userId}`;

  async function block() {
    setBlocked('busy');
    setBlocked((await actions.block(partner.userId)) ? 'yes' : 'no');
  }

  async function report() {
    setReported('busy');
    const ok = await actions.report(partner.userId, reason, sessionId, note.trim());
    setReported(ok ? 'yes' : 'no');
    if (ok) setBlocked('yes'); // a report also keeps the two of you apart
  }

  return (
    <div className="stack safety">
      {blocked === 'yes' ? (
        <p data-testid="blocked" role="status">
          You will not be matched with {name} again, and you will not see each other online.
        </p>
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
        <p data-testid="reported" role="status">
          Thank you. Your report about {name} was sent to the Parley team.
        </p>
      ) : (
        <form
          className="stack"
          aria-label={`Report ${name}`}
          onSubmit={(e) => {
            e.preventDefault();
            void report();
          }}
        >
          <label htmlFor={`${ids}-reason`}>Reason</label>
          <select
            id={`${ids}-reason`}
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
          <label htmlFor={`${ids}-note`}>What happened (optional)</label>
          <textarea
            id={`${ids}-note`}
            data-testid="report-note"
            maxLength={1000}
            value={note}
            onChange={(e) => setNote(e.target.value)}
          />
          <button
            type="submit"
            className="secondary"
            data-testid="report"
            disabled={reported === 'busy'}
          >
            {reported === 'busy' ? 'Sending…' : `Report ${name}`}
          </button>
        </form>
      )}
    </div>
  );
}
