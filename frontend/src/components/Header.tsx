import { isOperator, loadTokens } from '../api/cognito';
import { useParley } from '../app/context';
import { useT } from '../i18n/context';
import type { MessageKey } from '../i18n/translator';

const SOCKET_WORDS: Record<string, MessageKey> = {
  connecting: 'header.connecting',
  reconnecting: 'header.reconnecting',
};

export function Header() {
  const { state, actions, go } = useParley();
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
          {state.phase === 'home' && (
            <a
              href="#/words"
              data-testid="nav-words"
              onClick={(e) => {
                e.preventDefault();
                go('words');
              }}
            >
              {tr.t('nav.words')}
            </a>
          )}
          {state.phase === 'home' && isOperator(loadTokens()?.idToken) && (
            // For Parley's staff only, so in English (no catalogue key).
            <a href="#/moderation" data-testid="nav-moderation">
              Review
            </a>
          )}
          {state.me && <span className="name">{state.me.name || state.me.email}</span>}
          {/* In a call, Sign out sits in the call's controls (after Mute) and asks first. */}
          {state.phase !== 'in-call' && (
            <button className="link" data-testid="sign-out" onClick={actions.signOut}>
              {tr.t('header.signOut')}
            </button>
          )}
        </span>
      )}
    </header>
  );
}
