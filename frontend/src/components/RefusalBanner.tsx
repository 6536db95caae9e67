import { useParley } from '../app/context';
import { ticketRejectedSentence } from '../api/problems';
import { inWords } from '../lib/countdown';
import { useNow } from '../hooks/useNow';

/** The one place a refusal is shown: an API refusal, or why joining did not work. */
export function RefusalBanner() {
  const { state, actions, clock, config } = useParley();
  const now = useNow(30_000);
  const resetsAt = state.me?.points.resetsAt;
  const text =
    state.refusal?.text ??
    (state.ticketRejection
      ? ticketRejectedSentence(
          state.ticketRejection,
          resetsAt ? inWords(resetsAt, now, clock.offsetMs) : 'tomorrow',
          config.limits?.dailyPoints,
        )
      : null);
  if (!text) return null;
  return (
    <div className="refusal" role="alert" data-testid="refusal">
      <p>{text}</p>
      <div className="row">
        {state.refusal?.retryable && <button onClick={actions.retry}>Retry</button>}
        <button className="secondary" onClick={actions.dismissRefusal}>
          OK
        </button>
      </div>
    </div>
  );
}
