import { useCallback, useState } from 'react';
import { useParley } from '../app/context';
import { sentenceForError } from '../api/problems';
import type { PastSession } from '../api/types';
import { Dialog } from '../components/Dialog';
import { Progress } from '../components/Progress';
import { Safety } from '../components/Safety';
import { useT } from '../i18n/context';
import type { MessageKey } from '../i18n/translator';
import { usePages } from '../hooks/usePages';

const PAGE = 10;

const REASONS: Record<string, MessageKey> = {
  time_up: 'history.time_up',
  stopped: 'history.stopped',
  left: 'history.left',
  cancelled: 'history.cancelled',
};

const bySession = (s: PastSession) => s.sessionId;

const reasonKey = (reason: string | null | undefined) => (reason ? REASONS[reason] : undefined);

/** My conversations (kept 90 days), a page at a time; block or report from any of them. */
export function HistoryPage() {
  const { api } = useParley();
  const tr = useT();
  const [safetyFor, setSafetyFor] = useState<PastSession | null>(null);
  const fetchPage = useCallback(
    async (cursor: string | null) => {
      const page = await api.sessions({ cursor, limit: PAGE });
      return { rows: page.sessions, nextCursor: page.nextCursor };
    },
    [api],
  );
  const { rows: list, cursor, status, error, more } = usePages(fetchPage, bySession);

  return (
    <main className="page narrow" id="main" data-testid="history-page">
      <section className="card">
        <h1>{tr.t('history.title')}</h1>
        {error !== null && (
          <p className="muted" role="alert">
            {sentenceForError(tr, error)}{' '}
            <button className="link" onClick={more}>
              {tr.t('common.retry')}
            </button>
          </p>
        )}
        {status !== 'loading' && list.length === 0 && error === null && (
          <p className="muted">{tr.t('history.empty')}</p>
        )}
        <ul className="history" data-testid="history">
          {list.map((s) => (
            <li key={s.sessionId} data-testid={`history-${s.sessionId}`}>
              <div>
                <strong>{s.partner.name || tr.t('common.someone')}</strong>
                <span className="muted small">
                  {tr.dateTime(s.startedAt)} · {tr.unit(s.minutes, 'minute')}
                  {reasonKey(s.reason) ? ` · ${tr.t(reasonKey(s.reason) as MessageKey)}` : ''}
                </span>
              </div>
              <button
                className="secondary small-button"
                data-testid={`history-safety-${s.sessionId}`}
                aria-label={tr.t('common.blockOrReportName', {
                  name: s.partner.name || tr.t('common.thisPerson'),
                })}
                onClick={() => setSafetyFor(s)}
              >
                {tr.t('common.blockOrReport')}
              </button>
            </li>
          ))}
        </ul>
        {status === 'loading' && <Progress text={tr.t('history.loading')} />}
        {status === 'idle' && cursor && (
          <button className="secondary" data-testid="history-more" onClick={more}>
            {tr.t('history.more')}
          </button>
        )}
      </section>
      {safetyFor && (
        <Dialog
          title={tr.t('common.blockOrReportName', {
            name: safetyFor.partner.name || tr.t('common.thisPerson'),
          })}
          testid="safety-dialog"
          onClose={() => setSafetyFor(null)}
        >
          <Safety partner={safetyFor.partner} sessionId={safetyFor.sessionId} />
        </Dialog>
      )}
    </main>
  );
}
