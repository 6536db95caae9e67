import { useCallback, useEffect, useState } from 'react';
import { useParley } from '../app/context';
import { sentenceForError } from '../api/problems';
import type { PastSession } from '../api/types';
import { Dialog } from '../components/Dialog';
import { Progress } from '../components/Progress';
import { Safety } from '../components/Safety';
import { appendPage } from '../lib/paging';

const PAGE = 10;

const REASONS: Record<string, string> = {
  time_up: 'time up',
  stopped: 'stopped',
  left: 'connection lost',
  cancelled: 'cancelled',
};

function when(iso: string): string {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return '';
  return new Date(at).toLocaleString(undefined, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
  });
}

/** My conversations (kept 90 days), a page at a time; block or report from any of them. */
export function HistoryPage() {
  const { api } = useParley();
  const [list, setList] = useState<PastSession[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [status, setStatus] = useState<'loading' | 'idle' | 'done'>('loading');
  const [error, setError] = useState<string | null>(null);
  const [safetyFor, setSafetyFor] = useState<PastSession | null>(null);

  const load = useCallback(
    async (from: string | null) => {
      setStatus('loading');
      setError(null);
      try {
        const page = await api.sessions({ cursor: from, limit: PAGE });
        setList((old) => appendPage(from ? old : [], page.sessions));
        setCursor(page.nextCursor ?? null);
        setStatus(page.nextCursor ? 'idle' : 'done');
      } catch (e) {
        setError(sentenceForError(e));
        setStatus('idle');
      }
    },
    [api],
  );
  useEffect(() => void load(null), [load]);

  return (
    <main className="page narrow" id="main" data-testid="history-page">
      <section className="card">
        <h1>Your conversations</h1>
        {error && (
          <p className="muted" role="alert">
            {error}{' '}
            <button className="link" onClick={() => void load(cursor)}>
              Retry
            </button>
          </p>
        )}
        {status !== 'loading' && list.length === 0 && !error && (
          <p className="muted">No conversations yet.</p>
        )}
        <ul className="history" data-testid="history">
          {list.map((s) => (
            <li key={s.sessionId} data-testid={`history-${s.sessionId}`}>
              <div>
                <strong>{s.partner.name || 'Someone'}</strong>
                <span className="muted small">
                  {when(s.startedAt)} · {s.minutes} min
                  {s.reason && REASONS[s.reason] ? ` · ${REASONS[s.reason]}` : ''}
                </span>
              </div>
              <button
                className="secondary small-button"
                data-testid={`history-safety-${s.sessionId}`}
                aria-label={`Block or report ${s.partner.name || 'this person'}`}
                onClick={() => setSafetyFor(s)}
              >
                Block or report
              </button>
            </li>
          ))}
        </ul>
        {status === 'loading' && <Progress text="Loading your conversations…" />}
        {status === 'idle' && cursor && (
          <button
            className="secondary"
            data-testid="history-more"
            onClick={() => void load(cursor)}
          >
            Show older conversations
          </button>
        )}
      </section>
      {safetyFor && (
        <Dialog
          title={`Block or report ${safetyFor.partner.name || 'this person'}`}
          testid="safety-dialog"
          onClose={() => setSafetyFor(null)}
        >
          <Safety partner={safetyFor.partner} sessionId={safetyFor.sessionId} />
        </Dialog>
      )}
    </main>
  );
}
