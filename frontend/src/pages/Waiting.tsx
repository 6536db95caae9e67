import { useState } from 'react';
import { useParley } from '../app/context';
import type { LookingFor } from '../api/types';
import { LengthNote } from '../components/LengthNote';
import { Progress } from '../components/Progress';
import { useNow } from '../hooks/useNow';
import { elapsedSeconds, formatClock } from '../lib/countdown';
import { useT } from '../i18n/context';
import type { MessageKey } from '../i18n/translator';
import { waitingLimitText } from '../lib/sessionLength';

/** What the matcher is trying now, in honest words; it widens the longer someone waits. */
export function lookingForText(lookingFor: LookingFor | null, status: string | null): MessageKey {
  if (status === 'matched') return 'waiting.matched';
  switch (lookingFor) {
    case 'tandem':
      return 'waiting.tandem';
    case 'one_sided':
      return 'waiting.oneSided';
    case 'anyone':
      return 'waiting.anyone';
    default:
      return 'waiting.joining';
  }
}

export function Waiting() {
  const { state, actions, clock, config } = useParley();
  const tr = useT();
  const now = useNow(1000);
  const [localStart] = useState(() => Date.now());
  const [leaving, setLeaving] = useState(false);
  const ticket = state.ticket;
  const prefs = state.me?.preferences;
  const seconds = ticket?.waitingSince
    ? elapsedSeconds(ticket.waitingSince, now, clock.offsetMs)
    : Math.max(0, Math.floor((now - localStart) / 1000));

  async function cancel() {
    setLeaving(true);
    await actions.leaveQueue();
    setLeaving(false);
  }

  return (
    <main className="page narrow" data-testid="waiting">
      <section className="card center">
        <h1>{tr.t('waiting.title')}</h1>
        <p className="elapsed" aria-label={tr.t('waiting.elapsed')} data-testid="elapsed">
          {formatClock(seconds)}
        </p>
        <div data-testid="looking-for" data-looking-for={ticket?.lookingFor ?? ''}>
          <Progress
            text={tr.t(lookingForText(ticket?.lookingFor ?? null, ticket?.status ?? null))}
          />
        </div>
        <p className="muted small">
          {ticket?.lookingFor === 'anyone'
            ? tr.t('waiting.anyoneNote')
            : tr.t('waiting.yourLanguages', {
                speaks: tr.languages(prefs?.speaks),
                learns: tr.languages(prefs?.learns),
              })}
        </p>
        <LengthNote
          text={waitingLimitText(tr, state.me?.points.held, config.limits?.sessionMinutes)}
        />
        <button
          className="secondary big"
          data-testid="cancel-wait"
          disabled={leaving}
          onClick={() => void cancel()}
        >
          {leaving ? tr.t('waiting.leaving') : tr.t('waiting.cancel')}
        </button>
      </section>
    </main>
  );
}
