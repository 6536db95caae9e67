import { useCallback, useEffect, useState } from 'react';
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
import { Call } from './pages/Call';
import { Home } from './pages/Home';
import { SignIn } from './pages/SignIn';
import { Summary } from './pages/Summary';
import { Waiting } from './pages/Waiting';

/** Reads `/v1/config` (with a Retry), then starts Parley with it. */
export function App() {
  const [config, setConfig] = useState<AppConfig | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(() => {
    setError(null);
    const api = new ParleyApi(new HttpClient({ getToken: () => null, onUnauthorized: () => {} }));
    api.config().then(setConfig, (e: unknown) => setError(sentenceForError(e)));
  }, []);
  useEffect(load, [load]);

  if (config) return <Parley config={config} />;
  return (
    <main className="page narrow">
      <h1 className="brand">Parley</h1>
      {error ? (
        <div className="refusal" role="alert" data-testid="refusal">
          <p>{error}</p>
          <button onClick={load}>Retry</button>
        </div>
      ) : (
        <Progress text="Starting Parley…" />
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
  return (
    <div className={`app phase-${state.phase}`}>
      <Header />
      <RefusalBanner />
      <CurrentPage />
      {state.phase !== 'signed-out' && <InviteOverlay />}
    </div>
  );
}

function CurrentPage() {
  const { state } = useParley();
  switch (state.phase) {
    case 'signed-out':
      return <SignIn />;
    case 'loading':
      return (
        <main className="page narrow">
          <Progress text="Loading your day…" />
        </main>
      );
    case 'home':
      return <Home />;
    case 'waiting':
      return <Waiting />;
    case 'in-call':
      return state.session ? <Call session={state.session} /> : <Progress text="Joining…" />;
    case 'summary':
      return <Summary />;
  }
}
