import { useState } from 'react';
import { useParley } from '../app/context';
import type { LookingFor } from '../api/types';
import { LengthNote } from '../components/LengthNote';
import { Progress } from '../components/Progress';
import { useNow } from '../hooks/useNow';
import { elapsedSeconds, formatClock } from '../lib/countdown';
import { languageList } from '../lib/languages';
import { waitingLimitText } from '../lib/sessionLength';

/** What the matcher is trying now, in honest words; it widens the longer someone waits. */
export function lookingForText(lookingFor: LookingFor | null, status: string | null): string {
  if (status === 'matched') return 'Found someone — starting your conversation…';
  switch (lookingFor) {
    case 'tandem':
      return 'Looking for a tandem partner — someone who speaks what you practise and practises what you speak…';
    case 'one_sided':
      return 'Widening the search to someone who speaks the language you practise…';
    case 'anyone':
      return 'Widening the search to anyone…';
    default:
      return 'Checking your points and joining the queue…';
  }
}

export function Waiting() {
  const { state, actions, clock, config } = useParley();
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
        <h1>Finding a partner</h1>
        <p className="elapsed" aria-label="Time waiting" data-testid="elapsed">
          {formatClock(seconds)}
        </p>
        <div data-testid="looking-for" data-looking-for={ticket?.lookingFor ?? ''}>
          <Progress text={lookingForText(ticket?.lookingFor ?? null, ticket?.status ?? null)} />
        </div>
        <p className="muted small">
          {ticket?.lookingFor === 'anyone'
            ? 'Anyone free will do — you can still speak the language you practise.'
            : `You speak ${languageList(prefs?.speaks)} and practise ${languageList(prefs?.learns)}.`}
        </p>
        <LengthNote text={waitingLimitText(state.me?.points.held, config.limits?.sessionMinutes)} />
        <button
          className="secondary big"
          data-testid="cancel-wait"
          disabled={leaving}
          onClick={() => void cancel()}
        >
          {leaving ? 'Leaving…' : 'Cancel'}
        </button>
      </section>
    </main>
  );
}
