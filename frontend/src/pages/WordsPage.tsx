import { useCallback, useEffect, useState } from 'react';
import { useParley } from '../app/context';
import { sentenceForError } from '../api/problems';
import type { WordsPage as Page } from '../api/types';
import { Progress } from '../components/Progress';
import { useT } from '../i18n/context';

const PAGE = 50;

type Word = Page['words'][number];

/** The words and phrases I starred in calls' chats, newest first, a page at a time. */
export function WordsPage() {
  const { api } = useParley();
  const tr = useT();
  const [words, setWords] = useState<Word[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [status, setStatus] = useState<'loading' | 'idle' | 'done'>('loading');
  const [error, setError] = useState<unknown>(null);

  const load = useCallback(
    async (from: string | null) => {
      setStatus('loading');
      setError(null);
      try {
        const page = await api.words({ cursor: from, limit: PAGE });
        setWords((old) => {
          const shown = from ? old : [];
          const seen = new Set(shown.map((w) => w.wordId));
          return [...shown, ...page.words.filter((w) => !seen.has(w.wordId))];
        });
        setCursor(page.nextCursor ?? null);
        setStatus(page.nextCursor ? 'idle' : 'done');
      } catch (e) {
        setError(e ?? new Error('failed'));
        setStatus('idle');
      }
    },
    [api],
  );
  useEffect(() => void load(null), [load]);

  return (
    <main className="page narrow" id="main" data-testid="words-page">
      <section className="card">
        <h1>{tr.t('nav.words')}</h1>
        {error !== null && (
          <p className="muted" role="alert">
            {sentenceForError(tr, error)}{' '}
            <button className="link" onClick={() => void load(cursor)}>
              {tr.t('common.retry')}
            </button>
          </p>
        )}
        {status !== 'loading' && words.length === 0 && error === null && (
          <p className="muted">{tr.t('words.empty')}</p>
        )}
        <ul className="history" data-testid="words">
          {words.map((w) => (
            <li key={w.wordId}>
              <div>
                <strong>{w.text}</strong>
                <span className="muted small">{tr.dateTime(w.savedAt)}</span>
              </div>
            </li>
          ))}
        </ul>
        {status === 'loading' && <Progress text={tr.t('words.loading')} />}
        {status === 'idle' && cursor && (
          <button className="secondary" data-testid="words-more" onClick={() => void load(cursor)}>
            {tr.t('words.more')}
          </button>
        )}
      </section>
    </main>
  );
}
