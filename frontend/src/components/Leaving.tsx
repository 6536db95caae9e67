import { useCallback, useState } from 'react';
import { sentenceForError } from '../api/problems';
import { useParley } from '../app/context';
import { useT } from '../i18n/context';
import { DELETE_CONSEQUENCES, deleteConfirmed, saveExport } from '../lib/leaving';
import { Dialog } from './Dialog';

/** Settings: download everything Parley holds about me; delete my account. */
export function Leaving() {
  const { api, actions } = useParley();
  const tr = useT();
  const word = tr.t('leaving.confirmWord');
  const [busy, setBusy] = useState<'export' | 'delete' | null>(null);
  const [note, setNote] = useState<{ file: string } | { error: unknown } | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<unknown>(null);
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
      setNote({ file: name });
    } catch (e) {
      setNote({ error: e });
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
      setError(e ?? new Error('failed'));
      setBusy(null);
    }
  }

  return (
    <section className="card" aria-labelledby="leaving-title">
      <h2 id="leaving-title">{tr.t('leaving.title')}</h2>
      <p className="muted">{tr.t('leaving.intro')}</p>
      <button
        className="secondary"
        data-testid="export-data"
        disabled={busy !== null}
        onClick={() => void download()}
      >
        {busy === 'export' ? tr.t('leaving.preparing') : tr.t('leaving.download')}
      </button>
      {note && (
        <p className="muted" role="status" data-testid="export-note">
          {'file' in note
            ? tr.t('leaving.savedAs', { file: note.file })
            : sentenceForError(tr, note.error)}
        </p>
      )}
      <button
        className="danger"
        data-testid="delete-account"
        disabled={busy !== null}
        onClick={() => setConfirming(true)}
      >
        {tr.t('leaving.delete')}
      </button>
      {confirming && (
        <Dialog title={tr.t('leaving.dialogTitle')} testid="delete-dialog" onClose={close}>
          <ul>
            {DELETE_CONSEQUENCES.map((key) => (
              <li key={key}>{tr.t(key)}</li>
            ))}
          </ul>
          <label htmlFor="delete-confirm">
            {tr.rich('leaving.typeToConfirm', { word, b: (c) => <strong>{c}</strong> })}
          </label>
          <input
            id="delete-confirm"
            data-testid="delete-confirm"
            autoComplete="off"
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
          />
          {error !== null && (
            <p className="refusal" role="alert" data-testid="delete-error">
              {sentenceForError(tr, error)}
            </p>
          )}
          <button
            className="danger"
            data-testid="delete-confirm-button"
            disabled={!deleteConfirmed(typed, word) || busy !== null}
            onClick={() => void erase()}
          >
            {busy === 'delete' ? tr.t('leaving.deleting') : tr.t('leaving.delete')}
          </button>
        </Dialog>
      )}
    </section>
  );
}
