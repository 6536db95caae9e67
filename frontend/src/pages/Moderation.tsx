// The operators' review page (`#/moderation`): people suspended by reports, each decided by
// Ban, Clear or Warn, and the audit log. English only: it is for Parley's staff.

import { useCallback, useEffect, useState } from 'react';
import type { AuditEntry, Suspension, SuspensionDecision } from '../api/endpoints';
import { ApiError } from '../api/http';
import { useParley } from '../app/context';
import { Confirm } from '../components/Confirm';

type Action = SuspensionDecision['action'];

interface Pending {
  case: Suspension;
  decision: SuspensionDecision;
}

const DONE_WORDS: Record<Action, string> = {
  ban: 'Banned',
  clear: 'Cleared',
  warn: 'Warned',
};

function when(iso: string | null | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
}

function waited(seconds: number): string {
  if (seconds < 3600) return `${Math.max(1, Math.round(seconds / 60))} min`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86_400)} d`;
}

function problemText(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.code === 'forbidden') return 'Only operators may see this page.';
    return `${error.message}${error.detail ? `: ${error.detail}` : ''} (${error.code})`;
  }
  return 'Something went wrong.';
}

function who(c: Suspension): string {
  return c.userId ?? c.person;
}

export function Moderation() {
  const { api } = useParley();
  const [people, setPeople] = useState<Suspension[] | null>(null);
  const [log, setLog] = useState<AuditEntry[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState<Pending | null>(null);
  const [busy, setBusy] = useState(false);
  const [said, setSaid] = useState('');

  const load = useCallback(async () => {
    setError(null);
    try {
      const [queue, audit] = await Promise.all([api.suspensions(), api.auditLog()]);
      setPeople(queue.people);
      setLog(audit.actions);
    } catch (e) {
      setError(e ?? new Error('failed'));
    }
  }, [api]);
  useEffect(() => void load(), [load]);

  const cancel = useCallback(() => setPending(null), []);

  async function decide() {
    if (!pending) return;
    const { case: c, decision } = pending;
    setPending(null);
    setBusy(true);
    try {
      await api.decideSuspension(c.person, decision);
      setSaid(`${DONE_WORDS[decision.action]} ${who(c)}.`);
      await load();
    } catch (e) {
      setError(e ?? new Error('failed'));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="page" id="main" data-testid="moderation-page">
      <p>
        <a href="#/">Back to Parley</a>
      </p>
      <h1>Review</h1>
      <p role="status" data-testid="moderation-status">
        {said}
      </p>
      {error !== null && (
        <p role="alert" data-testid="moderation-error">
          {problemText(error)}{' '}
          <button className="link" onClick={() => void load()}>
            Try again
          </button>
        </p>
      )}

      <section className="card" aria-labelledby="suspended-title">
        <h2 id="suspended-title">Suspended by reports</h2>
        {people === null && error === null && <p className="muted">Loading…</p>}
        {people?.length === 0 && <p className="muted">Nobody is waiting for review.</p>}
        {people && people.length > 0 && (
          <table className="moderation" data-testid="suspensions">
            <caption className="muted">
              Oldest first. Who reported is never shown. Every decision is in the audit log.
            </caption>
            <thead>
              <tr>
                <th scope="col">Person</th>
                <th scope="col">Suspended</th>
                <th scope="col">Reports</th>
                <th scope="col">Decision</th>
              </tr>
            </thead>
            <tbody>
              {people.map((c, i) => (
                <CaseRow
                  key={c.person}
                  index={i}
                  case={c}
                  busy={busy}
                  onDecide={(decision) => setPending({ case: c, decision })}
                />
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section className="card" aria-labelledby="audit-title">
        <h2 id="audit-title">Audit log</h2>
        {log?.length === 0 && <p className="muted">Nothing yet.</p>}
        {log && log.length > 0 && (
          <table className="moderation" data-testid="audit-log">
            <caption className="muted">Newest first, the last 100 actions.</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Action</th>
                <th scope="col">Person</th>
                <th scope="col">By</th>
                <th scope="col">Reason</th>
                <th scope="col">Until</th>
              </tr>
            </thead>
            <tbody>
              {log.map((a, i) => (
                <tr key={`${a.at}-${i}`}>
                  <td>{when(a.at)}</td>
                  <td>{a.action}</td>
                  <td>{a.subject}</td>
                  <td>{a.by}</td>
                  <td>{a.reason}</td>
                  <td>{a.until === 'forever' ? 'no end' : when(a.until)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      {pending && (
        <Confirm
          testid="decide"
          title={`${pending.decision.action[0]?.toUpperCase()}${pending.decision.action.slice(1)} ${who(pending.case)}?`}
          confirm={`Yes, ${pending.decision.action}`}
          cancel="Cancel"
          onConfirm={() => void decide()}
          onCancel={cancel}
        >
          <p>Reason: {pending.decision.reason}</p>
          {pending.decision.action === 'ban' && (
            <p>
              Until:{' '}
              {pending.decision.until ? when(pending.decision.until) : 'no end (until lifted)'}
            </p>
          )}
        </Confirm>
      )}
    </main>
  );
}

function CaseRow(props: {
  index: number;
  case: Suspension;
  busy: boolean;
  onDecide: (decision: SuspensionDecision) => void;
}) {
  const c = props.case;
  const [reason, setReason] = useState('');
  const [until, setUntil] = useState('');
  const id = `case-${props.index}`;
  const ready = reason.trim().length > 0 && !props.busy;
  const decide = (action: Action) =>
    props.onDecide({
      action,
      reason: reason.trim(),
      // A date means the start of that day, UTC; none means the ban has no end.
      until: action === 'ban' && until ? `${until}T00:00:00Z` : null,
    });
  return (
    <tr data-testid="suspension" data-person={c.person}>
      <th scope="row">
        <span data-testid="suspended-person">{who(c)}</span>
        <br />
        <span className="muted">
          {c.reporters} {c.reporters === 1 ? 'person' : 'people'} reported
        </span>
      </th>
      <td>
        {when(c.suspendedAt)}
        <br />
        <span className="muted">waiting {waited(c.waitedS)}</span>
      </td>
      <td>
        <ul data-testid="case-reports">
          {c.reports.map((r) => (
            <li key={r.reportId}>
              <strong>{r.reason}</strong> · {when(r.at)}
              {r.note && (
                <>
                  <br />“{r.note}”
                </>
              )}
            </li>
          ))}
        </ul>
      </td>
      <td>
        <label htmlFor={`${id}-reason`}>Reason (for the audit log)</label>
        <br />
        <input
          id={`${id}-reason`}
          data-testid="decision-reason"
          required
          maxLength={500}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
        />
        <br />
        <label htmlFor={`${id}-until`}>Ban until (optional)</label>
        <br />
        <input
          id={`${id}-until`}
          data-testid="ban-until"
          type="date"
          value={until}
          onChange={(e) => setUntil(e.target.value)}
        />
        <div className="row">
          <button
            className="danger"
            data-testid="ban"
            disabled={!ready}
            onClick={() => decide('ban')}
          >
            Ban
          </button>
          <button
            className="secondary"
            data-testid="warn"
            disabled={!ready}
            onClick={() => decide('warn')}
          >
            Warn
          </button>
          <button
            className="secondary"
            data-testid="clear"
            disabled={!ready}
            onClick={() => decide('clear')}
          >
            Clear
          </button>
        </div>
      </td>
    </tr>
  );
}
