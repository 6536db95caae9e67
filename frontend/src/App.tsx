import { lazy, Suspense, useCallback, useEffect, useState, useSyncExternalStore } from 'react';
import { isOperator, loadTokens } from './api/cognito';
import { ParleyApi } from './api/endpoints';
import { HttpClient } from './api/http';
import { sentenceForError } from './api/problems';
import type { AppConfig } from './api/types';
import { ParleyContext, useParley } from './app/context';
import { useController } from './app/useController';
import { Header } from './components/Header';
import { InviteOverlay } from './components/InviteOverlay';
import { Progress } from './components/Progress';
import { RefusalBanner } from './components/RefusalBanner';
import { useLanguage, useT } from './i18n/context';
import { isLocale } from './i18n/locales';
import { Call } from './pages/Call';
import { Home } from './pages/Home';
import { SignIn } from './pages/SignIn';
import { Summary } from './pages/Summary';
import { Waiting } from './pages/Waiting';

// The operators' review page loads only when opened: the first screen's script stays small.
const Moderation = lazy(() =>
  import('./pages/Moderation').then((m) => ({ default: m.Moderation })),
);
const MODERATION_HASH = '#/moderation';

/** The address's #fragment, re-read when it changes. */
function useHash(): string {
  return useSyncExternalStore(
    (changed) => {
      window.addEventListener('hashchange', changed);
      return () => window.removeEventListener('hashchange', changed);
    },
    () => location.hash,
    () => '',
  );
}

/** Reads `/v1/config` (with a Retry), then starts Parley with it. */
export function App() {
  const tr = useT();
  const [config, setConfig] = useState<AppConfig | null>(null);
  const [error, setError] = useState<unknown>(null);

  const load = useCallback(() => {
    setError(null);
    const api = new ParleyApi(new HttpClient({ getToken: () => null, onUnauthorized: () => {} }));
    api.config().then(setConfig, (e: unknown) => setError(e ?? new Error('failed')));
  }, []);
  useEffect(load, [load]);

  if (config) return <Parley config={config} />;
  return (
    <main className="page narrow">
      <h1 className="brand">Parley</h1>
      {error ? (
        <div className="refusal" role="alert" data-testid="refusal">
          <p>{sentenceForError(tr, error)}</p>
          <button onClick={load}>{tr.t('common.retry')}</button>
        </div>
      ) : (
        <Progress text={tr.t('app.starting')} />
      )}
    </main>
  );
}

function Parley({ config }: { config: AppConfig }) {
  const controller = useController(config);
  return (
    <ParleyContext.Provider value={controller}>
      <Screen />
    </ParleyContext.Provider>
  );
}

function Screen() {
  const { state } = useParley();
  useAccountLanguage(state.me?.preferences.uiLanguage ?? null);
  const hash = useHash();
  // Operators (`cognito:groups`) may open the review page from Home; nobody else sees it.
  const reviewing =
    hash === MODERATION_HASH && state.phase === 'home' && isOperator(loadTokens()?.idToken);
  return (
    <div className={`app phase-${state.phase}`}>
      <SkipLink />
      <Header />
      <RefusalBanner />
      {reviewing ? (
        <Suspense fallback={<Progress text="Loading…" />}>
          <Moderation />
        </Suspense>
      ) : (
        <CurrentPage />
      )}
      {state.phase !== 'signed-out' && <InviteOverlay />}
    </div>
  );
}

function CurrentPage() {
  const { state } = useParley();
  const tr = useT();
  switch (state.phase) {
    case 'signed-out':
      return <SignIn />;
    case 'loading':
      return (
        <main className="page narrow">
          <Progress text={tr.t('app.loadingDay')} />
        </main>
      );
    case 'home':
      return <Home />;
    case 'waiting':
      return <Waiting />;
    case 'in-call':
      return state.session ? (
        <Call session={state.session} />
      ) : (
        <Progress text={tr.t('app.joining')} />
      );
    case 'summary':
      return <Summary />;
  }
}

/** The screens' language kept with the account (chosen on another device) wins over this
 * browser's guess, once `/v1/me` says it. */
function useAccountLanguage(saved: string | null) {
  const { locale, choose } = useLanguage();
  useEffect(() => {
    if (isLocale(saved) && saved !== locale) choose(saved).catch(() => {});
    // Only when the account's choice changes: a choice made here is saved to the account too.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [saved]);
}

/** The first stop for the keyboard: straight past the header to the page's own content. */
function SkipLink() {
  const tr = useT();
  return (
    <a
      className="skip-link"
      href="#main"
      data-testid="skip-link"
      onClick={(e) => {
        // Not through the address: the #fragment names Home's page (app/view.ts).
        e.preventDefault();
        const main = document.getElementById('main');
        if (!main) return;
        main.tabIndex = -1;
        main.focus();
      }}
    >
      {tr.t('app.skip')}
    </a>
  );
}
