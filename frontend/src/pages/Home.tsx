import { lazy, Suspense, useCallback, useEffect, useState, useSyncExternalStore } from 'react';
import { useParley } from '../app/context';
import type { View } from '../app/view';
import { noPointsSentence } from '../api/problems';
import { DeviceCheck } from '../components/DeviceCheck';
import { Presence } from '../components/Presence';
import { useNow } from '../hooks/useNow';
import { useT } from '../i18n/context';
import type { MessageKey, Translator } from '../i18n/translator';
import { inWords } from '../lib/countdown';
import { Progress } from '../components/Progress';

// Home's other pages load when first opened: the first screen's script stays small.
const HistoryPage = lazy(() => import('./HistoryPage').then((m) => ({ default: m.HistoryPage })));
const Settings = lazy(() => import('./Settings').then((m) => ({ default: m.Settings })));
const WordsPage = lazy(() => import('./WordsPage').then((m) => ({ default: m.WordsPage })));
// The languages step is shown once per person: it loads with Settings, not the first screen.
const Preferences = lazy(() =>
  import('../components/Preferences').then((m) => ({ default: m.Preferences })),
);

const PHONE = '(max-width: 520px)';

/** Whether a media query matches now (and re-renders when that changes). */
function useMedia(query: string): boolean {
  return useSyncExternalStore(
    (changed) => {
      if (typeof matchMedia !== 'function') return () => {};
      const list = matchMedia(query);
      list.addEventListener('change', changed);
      return () => list.removeEventListener('change', changed);
    },
    () => typeof matchMedia === 'function' && matchMedia(query).matches,
    () => false,
  );
}

const TABS: Array<{ view: View; label: MessageKey }> = [
  { view: 'talk', label: 'nav.talk' },
  { view: 'history', label: 'nav.history' },
  { view: 'settings', label: 'nav.settings' },
];

export function Home() {
  const { view, go } = useParley();
  const tr = useT();
  return (
    <>
      <nav className="tabs" aria-label={tr.t('nav.label')}>
        {TABS.map((t) => (
          <a
            key={t.view}
            href={t.view === 'talk' ? '#/' : `#/${t.view}`}
            data-testid={`nav-${t.view}`}
            aria-current={view === t.view ? 'page' : undefined}
            onClick={(e) => {
              e.preventDefault();
              go(t.view);
            }}
          >
            {tr.t(t.label)}
          </a>
        ))}
      </nav>
      <Suspense
        fallback={
          <main className="page narrow" id="main">
            <Progress text={tr.t('app.starting')} />
          </main>
        }
      >
        {view === 'history' ? (
          <HistoryPage />
        ) : view === 'settings' ? (
          <Settings />
        ) : view === 'words' ? (
          <WordsPage />
        ) : (
          <Talk />
        )}
      </Suspense>
    </>
  );
}

/** What Join offers: nothing before the device check, audio only when the camera failed. */
export function joinLabel(tr: Translator, readiness: string, joining: boolean): string {
  if (joining) return tr.t('app.joining');
  if (readiness === 'audio-only') return tr.t('home.joinAudioOnly');
  return tr.t('home.join');
}

function Talk() {
  const { state, actions, clock, config, devices } = useParley();
  const tr = useT();
  const now = useNow(30_000);
  const [joining, setJoining] = useState(false);
  // The device check opens when the person is about to join, not on every visit.
  const [checkOpen, setCheckOpen] = useState(false);
  const [wantsJoin, setWantsJoin] = useState(false);
  const phone = useMedia(PHONE);
  const readiness = devices.readiness;
  const devicesOk = readiness === 'ready' || readiness === 'audio-only';
  const join = useCallback(async () => {
    setJoining(true);
    await actions.joinQueue();
    setJoining(false);
  }, [actions]);
  useEffect(() => {
    // Join was pressed before the devices were checked: go on once they work.
    if (!wantsJoin || !devicesOk) return;
    setWantsJoin(false);
    void join();
  }, [wantsJoin, devicesOk, join]);
  const me = state.me;
  if (!me) return null;
  // A first visit asks what the person speaks and learns before Join and Invite are offered:
  // a partner is matched by those languages.
  if (me.preferences.speaks.length === 0) {
    return (
      <main className="page narrow" id="main">
        <h1 className="visually-hidden">{tr.t('nav.talk')}</h1>
        <Preferences first />
      </main>
    );
  }
  const { left, resetsAt } = me.points;
  const until = inWords(tr, resetsAt, now, clock.offsetMs);
  const noPoints = left <= 0;

  function pressJoin() {
    if (devicesOk) return void join();
    setCheckOpen(true);
    setWantsJoin(true);
  }

  const noMicrophone = readiness === 'no-microphone';
  const day = (
    <>
      <section className="card hero" aria-label={tr.t('home.yourDay')}>
        <p className="points">
          {tr.rich('common.pointsLeftToday', {
            count: left,
            b: (c) => <strong data-testid="points-left">{c}</strong>,
          })}
        </p>
        <p className="muted">{tr.t('home.resets', { time: tr.time(resetsAt), until })}</p>
        {/* When the banner above already says it (a Join was just refused), say it once. */}
        {noPoints && state.ticketRejection !== 'no_points' && (
          <p className="blocked" data-testid="join-blocked">
            {noPointsSentence(tr, until, config.limits?.dailyPoints)}
          </p>
        )}
        {!noPoints && noMicrophone && (
          <p className="muted small" id="join-why" data-testid="join-needs-devices">
            {tr.t('home.needsMicrophone')}
          </p>
        )}
        <button
          className="big"
          data-testid="join"
          disabled={noPoints || joining || wantsJoin || noMicrophone}
          aria-describedby={!noPoints && noMicrophone ? 'join-why' : undefined}
          title={noPoints ? tr.t('home.talkAgain', { until }) : undefined}
          onClick={pressJoin}
        >
          {joinLabel(tr, readiness, joining || wantsJoin)}
        </button>
        {!checkOpen && (
          <button
            className="link small"
            data-testid="open-device-check"
            onClick={() => setCheckOpen(true)}
          >
            {tr.t('device.check')}
          </button>
        )}
      </section>
      {checkOpen && <DeviceCheck start={wantsJoin} />}
    </>
  );
  const presence = <Presence canInvite={!noPoints && !noMicrophone} />;
  return (
    <main className="page" id="main">
      <h1 className="visually-hidden">{tr.t('nav.talk')}</h1>
      {/* On a phone, who is online comes first; on a wider screen, the day and Join. */}
      {phone && presence}
      {day}
      {!phone && presence}
    </main>
  );
}
