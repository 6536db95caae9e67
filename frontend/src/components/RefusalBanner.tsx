import { useParley } from '../app/context';
import { sentenceForError, ticketRejectedSentence } from '../api/problems';
import { useT } from '../i18n/context';
import { inWords } from '../lib/countdown';
import { useNow } from '../hooks/useNow';

/** The one place a refusal is shown: an API refusal, or why joining did not work. */
export function RefusalBanner() {
  const { state, actions, clock, config } = useParley();
  const tr = useT();
  const now = useNow(30_000);
  const resetsAt = state.me?.points.resetsAt;
  const text = state.refusal
    ? sentenceForError(tr, state.refusal.error)
    : state.ticketRejection
      ? ticketRejectedSentence(
          tr,
          state.ticketRejection,
          resetsAt ? inWords(tr, resetsAt, now, clock.offsetMs) : tr.t('time.tomorrow'),
          config.limits?.dailyPoints,
        )
      : null;
  if (!text) return null;
  return (
    <div className="refusal" role="alert" data-testid="refusal">
      <p>{text}</p>
      <div className="row">
        {state.refusal?.retryable && (
          <button onClick={actions.retry}>{tr.t('common.retry')}</button>
        )}
        <button className="secondary" onClick={actions.dismissRefusal}>
          {tr.t('common.ok')}
        </button>
      </div>
    </div>
  );
}
