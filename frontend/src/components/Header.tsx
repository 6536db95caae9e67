import { useParley } from '../app/context';
import { useT } from '../i18n/context';
import type { MessageKey } from '../i18n/translator';

const SOCKET_WORDS: Record<string, MessageKey> = {
  connecting: 'header.connecting',
  reconnecting: 'header.reconnecting',
};

export function Header() {
  const { state, actions } = useParley();
  const tr = useT();
  const signedIn = state.phase !== 'signed-out';
  const socketWords = signedIn ? SOCKET_WORDS[state.socket] : undefined;
  return (
    <header className="top">
      <span className="brand">Parley</span>
      {socketWords && (
        <span className="socket" role="status">
          {tr.t(socketWords)}
        </span>
      )}
      {signedIn && (
        <span className="who">
          {state.me && <span className="name">{state.me.name || state.me.email}</span>}
          <button className="link" data-testid="sign-out" onClick={actions.signOut}>
            {tr.t('header.signOut')}
          </button>
        </span>
      )}
    </header>
  );
}
