import { useCallback } from 'react';
import { useParley } from '../app/context';
import { sentenceForError } from '../api/problems';
import type { WordsPage as Page } from '../api/types';
import { Progress } from '../components/Progress';
import { usePages } from '../hooks/usePages';
import { useT } from '../i18n/context';

const PAGE = 50;

type Word = Page['words'][number];
const byId = (w: Word) => w.wordId;

/** The words and phrases I starred in calls' chats, newest first, a page at a time. */
export function WordsPage() {
  const { api } = useParley();
  const tr = useT();
  const fetchPage = useCallback(
    async (cursor: string | null) => {
      const page = await api.words({ cursor, limit: PAGE });
      return { rows: page.words, nextCursor: page.nextCursor };
    },
    [api],
  );
  const { rows: words, cursor, status, error, more } = usePages(fetchPage, byId);

  return (
    <main className="page narrow" id="main" data-testid="words-page">
      <section className="card">
        <h1>{tr.t('nav.words')}</h1>
        {error !== null && (
          <p className="muted" role="alert">
            {sentenceForError(tr, error)}{' '}
            <button className="link" onClick={more}>
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
          <button className="secondary" data-testid="words-more" onClick={more}>
            {tr.t('words.more')}
          </button>
        )}
      </section>
    </main>
  );
}
