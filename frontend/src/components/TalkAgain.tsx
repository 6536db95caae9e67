import { useState } from 'react';
import { useParley } from '../app/context';
import { sentenceForError } from '../api/problems';
import type { PersonRef } from '../api/types';
import { useT } from '../i18n/context';

/** After a conversation: "talk again?" — both saying yes makes two people partners. */
export function TalkAgain({ partner, sessionId }: { partner: PersonRef; sessionId: string }) {
  const { api } = useParley();
  const tr = useT();
  const [answer, setAnswer] = useState<'none' | 'busy' | 'waiting' | 'mutual'>('none');
  const [error, setError] = useState<unknown>(null);
  const name = partner.name || tr.t('common.them');

  async function yes() {
    setAnswer('busy');
    setError(null);
    try {
      const result = await api.talkAgain(sessionId);
      setAnswer(result.mutual ? 'mutual' : 'waiting');
    } catch (e) {
      setError(e ?? new Error('failed'));
      setAnswer('none');
    }
  }

  return (
    <section className="card center" aria-labelledby="again-title" data-testid="talk-again">
      <h2 id="again-title">{tr.t('again.title', { name })}</h2>
      {answer === 'mutual' && (
        <p data-testid="partners-now" role="status">
          {tr.t('again.mutual', { name })}
        </p>
      )}
      {answer === 'waiting' && (
        <p data-testid="partners-waiting" role="status">
          {tr.t('again.waiting', { name })}
        </p>
      )}
      {(answer === 'none' || answer === 'busy') && (
        <>
          <p className="muted">{tr.t('again.note')}</p>
          <button
            className="secondary"
            data-testid="talk-again-yes"
            disabled={answer === 'busy'}
            onClick={() => void yes()}
          >
            {answer === 'busy' ? tr.t('common.saving') : tr.t('again.yes', { name })}
          </button>
        </>
      )}
      {error !== null && (
        <p className="muted" role="alert">
          {sentenceForError(tr, error)}
        </p>
      )}
    </section>
  );
}
