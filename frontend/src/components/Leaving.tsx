import { useCallback, useState } from 'react';
import { sentenceForError } from '../api/problems';
import { useParley } from '../app/context';
import {
  DELETE_CONFIRM_WORD,
  DELETE_CONSEQUENCES,
  deleteConfirmed,
  saveExport,
} from '../lib/leaving';
import { Dialog } from './Dialog';

/** Settings: download everything Parley holds about me; delete my account. */
export function Leaving() {
  const { api, actions } = useParley();
  const [busy, setBusy] = useState<'export' | 'delete' | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<string | null>(null);
  const close = useCallback(() => {
    setConfirming(false);
    setTyped('');
    setError(null);
  }, []);

  async function download() {
    setBusy('export');
    setNote(null);
    try {
      const name = saveExport(await api.exportMe());
      setNote(`Saved as ${name}.`);
    } catch (e) {
      setNote(sentenceForError(e));
    } finally {
      setBusy(null);
    }
  }

  async function erase() {
    setBusy('delete');
    setError(null);
    try {
      await api.deleteMe();
      actions.signOut();
    } catch (e) {
      setError(sentenceForError(e));
      setBusy(null);
    }
  }

  return (
    <section className="card" aria-labelledby="leaving-title">
      <h2 id="leaving-title">Your data</h2>
      <p className="muted">
        Everything Parley keeps about you, as a JSON file: your profile, history, points, partners,
        blocks and reports you filed.
      </p>
      <button
        className="secondary"
        data-testid="export-data"
        disabled={busy !== null}
        onClick={() => void download()}
      >
        {busy === 'export' ? 'Preparing…' : 'Download my data'}
      </button>
      {note && (
        <p className="muted" role="status" data-testid="export-note">
          {note}
        </p>
      )}
      <button
        className="danger"
        data-testid="delete-account"
        disabled={busy !== null}
        onClick={() => setConfirming(true)}
      >
        Delete my account
      </button>
      {confirming && (
        <Dialog title="Delete your account?" testid="delete-dialog" onClose={close}>
          <ul>
            {DELETE_CONSEQUENCES.map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
          <label htmlFor="delete-confirm">
            Type <strong>{DELETE_CONFIRM_WORD}</strong> to confirm
          </label>
          <input
            id="delete-confirm"
            data-testid="delete-confirm"
            autoComplete="off"
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
          />
          {error && (
            <p className="refusal" role="alert" data-testid="delete-error">
              {error}
            </p>
          )}
          <button
            className="danger"
            data-testid="delete-confirm-button"
            disabled={!deleteConfirmed(typed) || busy !== null}
            onClick={() => void erase()}
          >
            {busy === 'delete' ? 'Deleting…' : 'Delete my account'}
          </button>
        </Dialog>
      )}
    </section>
  );
}
