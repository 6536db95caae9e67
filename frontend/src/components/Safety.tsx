import { useState } from 'react';
import { useParley } from '../app/context';
import type { PersonRef, ReportReason } from '../api/types';
import { useT } from '../i18n/context';
import type { MessageKey } from '../i18n/translator';

export const REPORT_REASONS: Array<{ value: ReportReason; label: MessageKey }> = [
  { value: 'abuse', label: 'safety.abuse' },
  { value: 'inappropriate', label: 'safety.inappropriate' },
  { value: 'spam', label: 'safety.spam' },
  { value: 'other', label: 'safety.other' },
];

type Step = 'no' | 'busy' | 'yes';

/** Block and report one person (from the summary, the call screen or the history). */
export function Safety({ partner, sessionId }: { partner: PersonRef; sessionId?: string }) {
  const { actions } = useParley();
  const tr = useT();
  const [blocked, setBlocked] = useState<Step>('no');
  const [reported, setReported] = useState<Step | 'already'>('no');
  const [reason, setReason] = useState<ReportReason>('inappropriate');
  const [note, setNote] = useState('');
  const name = partner.name || tr.t('common.thisPerson');
  const ids = `safety-${partner.userId}`;

  async function block() {
    setBlocked('busy');
    setBlocked((await actions.block(partner.userId)) ? 'yes' : 'no');
  }

  async function report() {
    setReported('busy');
    const outcome = await actions.report(partner.userId, reason, sessionId, note.trim());
    // Reported before, for this conversation: what the person wanted is already done.
    setReported(outcome === 'sent' ? 'yes' : outcome === 'already' ? 'already' : 'no');
    if (outcome) setBlocked('yes'); // a report also keeps the two of you apart
  }

  return (
    <div className="stack safety">
      {blocked === 'yes' ? (
        <p data-testid="blocked" role="status">
          {tr.t('safety.blocked', { name })}
        </p>
      ) : (
        <button
          className="secondary"
          data-testid="block"
          disabled={blocked === 'busy'}
          onClick={() => void block()}
        >
          {blocked === 'busy' ? tr.t('safety.blocking') : tr.t('safety.block', { name })}
        </button>
      )}
      {reported === 'yes' || reported === 'already' ? (
        <p data-testid="reported" data-reported={reported} role="status">
          {reported === 'yes'
            ? tr.t('safety.reported', { name })
            : tr.t('problem.already-reported')}
        </p>
      ) : (
        <form
          className="stack"
          aria-label={tr.t('safety.reportLabel', { name })}
          onSubmit={(e) => {
            e.preventDefault();
            void report();
          }}
        >
          <label htmlFor={`${ids}-reason`}>{tr.t('safety.reason')}</label>
          <select
            id={`${ids}-reason`}
            data-testid="report-reason"
            value={reason}
            onChange={(e) => setReason(e.target.value as ReportReason)}
          >
            {REPORT_REASONS.map((r) => (
              <option key={r.value} value={r.value}>
                {tr.t(r.label)}
              </option>
            ))}
          </select>
          <label htmlFor={`${ids}-note`}>{tr.t('safety.note')}</label>
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
            {reported === 'busy' ? tr.t('safety.sending') : tr.t('safety.reportLabel', { name })}
          </button>
        </form>
      )}
    </div>
  );
}
