import { useState, type FormEvent } from 'react';
import { useParley } from '../app/context';
import { SignInError } from '../api/cognito';
import { sentenceForError } from '../api/problems';
import { useT } from '../i18n/context';
import { Progress } from '../components/Progress';

export function SignIn() {
  const { config } = useParley();
  const tr = useT();
  return (
    <main className="page narrow">
      <section className="card">
        <h1>{tr.t('signIn.title')}</h1>
        <p className="muted">{tr.t('signIn.intro')}</p>
        {config.auth.mode === 'local' ? <PasswordForm /> : <GoogleButton />}
      </section>
    </main>
  );
}

function PasswordForm() {
  const { actions } = useParley();
  const tr = useT();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await actions.signInWithPassword(username.trim(), password);
    } catch (e) {
      setError(e instanceof SignInError ? e : new SignInError('signIn.failed'));
      setBusy(false);
    }
  }

  return (
    <form className="stack" onSubmit={submit}>
      <label>
        {tr.t('signIn.username')}
        <input
          data-testid="username"
          autoComplete="username"
          value={username}
          onChange={(e) => setUsername(e.target.value)}
          required
        />
      </label>
      <label>
        {tr.t('signIn.password')}
        <input
          data-testid="password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          required
        />
      </label>
      {error !== null && (
        <p className="refusal" role="alert" data-testid="refusal">
          {sentenceForError(tr, error)}
        </p>
      )}
      <button type="submit" data-testid="sign-in" disabled={busy}>
        {busy ? tr.t('signIn.signingIn') : tr.t('signIn.signIn')}
      </button>
      <p className="hint">{tr.t('signIn.demo')}</p>
    </form>
  );
}

function GoogleButton() {
  const { actions } = useParley();
  const tr = useT();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function go() {
    setBusy(true);
    setError(null);
    try {
      await actions.signInWithGoogle();
    } catch (e) {
      setError(e instanceof SignInError ? e : new SignInError('signIn.failed'));
      setBusy(false);
    }
  }

  return (
    <div className="stack">
      {error !== null && (
        <p className="refusal" role="alert" data-testid="refusal">
          {sentenceForError(tr, error)}
        </p>
      )}
      {busy ? (
        <Progress text={tr.t('signIn.openingGoogle')} />
      ) : (
        <button data-testid="sign-in" onClick={() => void go()}>
          {tr.t('signIn.google')}
        </button>
      )}
    </div>
  );
}
