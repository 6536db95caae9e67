import { useParley } from '../app/context';

const SOCKET_WORDS: Record<string, string> = {
  connecting: 'Connecting…',
  reconnecting: 'Reconnecting…',
};

export function Header() {
  const { state, actions } = useParley();
  const signedIn = state.phase !== 'signed-out';
  const socketWords = signedIn ? SOCKET_WORDS[state.socket] : undefined;
  return (
    <header className="top">
      <span className="brand">Parley</span>
      {socketWords && (
        <span className="socket" role="status">
          {socketWords}
        </span>
      )}
      {signedIn && (
        <span className="who">
          {state.me && <span className="name">{state.me.name || state.me.email}</span>}
          <button className="link" data-testid="sign-out" onClick={actions.signOut}>
            Sign out
          </button>
        </span>
      )}
    </header>
  );
}
