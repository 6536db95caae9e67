import { useState, type FormEvent } from 'react';
import { useParley } from '../app/context';
import { SignInError } from '../api/cognito';
import { Progress } from '../components/Progress';

export function SignIn() {
  const { config } = useParley();
  return (
    <main className="page narrow">
      <section className="card">
        <h1>A conversation a day</h1>
        <p className="muted">
          Fifteen minutes, one to one, with someone new. Practise a language or just talk.
        </p>
        {config.auth.mode === 'local' ? <PasswordForm /> : <GoogleButton />}
      </section>
    </main>
  );
}

function PasswordForm() {
  const { actions } = useParley();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await actions.signInWithPassword(username.trim(), password);
    } catch (e) {
      setError(e instanceof SignInError ? e.message : 'Signing in did not work. Please try again.');
      setBusy(false);
    }
  }

  return (
    <form className="stack" onSubmit={submit}>
      <label>
        Username
        <input
          data-testid="username"
          autoComplete="username"
          value={username}
          onChange={(e) => setUsername(e.target.value)}
          required
        />
      </label>
      <label>
        Password
        <input
          data-testid="password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          required
        />
      </label>
      {error && (
        <p className="refusal" role="alert" data-testid="refusal">
          {error}
        </p>
      )}
      <button type="submit" data-testid="sign-in" disabled={busy}>
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
      <p className="hint">Demo people: alice, bob, carol, dave — password Parley-demo-1</p>
    </form>
  );
}

function GoogleButton() {
  const { actions } = useParley();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function go() {
    setBusy(true);
    setError(null);
    try {
      await actions.signInWithGoogle();
    } catch (e) {
      setError(e instanceof SignInError ? e.message : 'Signing in did not work. Please try again.');
      setBusy(false);
    }
  }

  return (
    <div className="stack">
      {error && (
        <p className="refusal" role="alert" data-testid="refusal">
          {error}
        </p>
      )}
      {busy ? (
        <Progress text="Opening Google…" />
      ) : (
        <button data-testid="sign-in" onClick={() => void go()}>
          Sign in with Google
        </button>
      )}
    </div>
  );
}
