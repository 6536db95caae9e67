import { useParley } from '../app/context';
import { useLoader } from '../hooks/useLoader';
import { Progress } from './Progress';

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

/** The last conversations (the server keeps 90 days). */
export function History() {
  const { api, state } = useParley();
  const sessions = useLoader(() => api.sessions(), state.closed.sessions.length);
  const list = sessions.data?.sessions ?? [];
  return (
    <section className="card">
      <h2>Recent conversations</h2>
      {sessions.error && (
        <p className="muted">
          {sessions.error}{' '}
          <button className="link" onClick={sessions.reload}>
            Retry
          </button>
        </p>
      )}
      {!sessions.data && !sessions.error && <Progress text="Loading…" />}
      {sessions.data && list.length === 0 && <p className="muted">No conversations yet.</p>}
      <ul className="history" data-testid="history">
        {list.slice(0, 20).map((s) => (
          <li key={s.sessionId}>
            <strong>{s.partner.name || 'Someone'}</strong>
            <span className="muted small">
              {when(s.startedAt)} · {s.minutes} min
              {REASONS[s.reason] ? ` · ${REASONS[s.reason]}` : ''}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
