import { useState } from 'react';
import { useParley } from '../app/context';
import { sentenceForError } from '../api/problems';
import type { PersonRef } from '../api/types';

/** After a conversation: "talk again?" — both saying yes makes two people partners. */
export function TalkAgain({ partner, sessionId }: { partner: PersonRef; sessionId: string }) {
  const { api } = useParley();
  const [answer, setAnswer] = useState<'none' | 'busy' | 'waiting' | 'mutual'>('none');
  const [error, setError] = useState<string | null>(null);
  const name = partner.name || 'them';

  async function yes() {
    setAnswer('busy');
    setError(null);
    try {
      const result = await api.talkAgain(sessionId);
      setAnswer(result.mutual ? 'mutual' : 'waiting');
    } catch (e) {
      setError(sentenceForError(e));
      setAnswer('none');
    }
  }

  return (
    <section className="card center" aria-labelledby="again-title" data-testid="talk-again">
      <h2 id="again-title">Talk with {name} again?</h2>
      {answer === 'mutual' && (
        <p data-testid="partners-now" role="status">
          You and {name} are partners now: you will see {name} first in “Online now”, one tap away.
        </p>
      )}
      {answer === 'waiting' && (
        <p data-testid="partners-waiting" role="status">
          Noted. If {name} says yes too, you become partners and see each other first in “Online
          now”.
        </p>
      )}
      {(answer === 'none' || answer === 'busy') && (
        <>
          <p className="muted">Partners see each other first when they are online.</p>
          <button
            className="secondary"
            data-testid="talk-again-yes"
            disabled={answer === 'busy'}
            onClick={() => void yes()}
          >
            {answer === 'busy' ? 'Saving…' : `Yes, I'd talk with ${name} again`}
          </button>
        </>
      )}
      {error && (
        <p className="muted" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
