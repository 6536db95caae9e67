import { useState } from 'react';
import { useParley } from '../app/context';
import type { View } from '../app/view';
import { noPointsSentence } from '../api/problems';
import { DeviceCheck } from '../components/DeviceCheck';
import { Presence } from '../components/Presence';
import { useNow } from '../hooks/useNow';
import { useT } from '../i18n/context';
import type { MessageKey, Translator } from '../i18n/translator';
import { inWords } from '../lib/countdown';
import { HistoryPage } from './HistoryPage';
import { Settings } from './Settings';

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
      {view === 'history' ? <HistoryPage /> : view === 'settings' ? <Settings /> : <Talk />}
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
  const me = state.me;
  if (!me) return null;
  const { left, resetsAt } = me.points;
  const until = inWords(tr, resetsAt, now, clock.offsetMs);
  const noPoints = left <= 0;
  const readiness = devices.readiness;
  const devicesOk = readiness === 'ready' || readiness === 'audio-only';

  async function join() {
    setJoining(true);
    await actions.joinQueue();
    setJoining(false);
  }

  return (
    <main className="page" id="main">
      <h1 className="visually-hidden">{tr.t('nav.talk')}</h1>
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
        {!noPoints && !devicesOk && (
          <p className="muted small" id="join-why" data-testid="join-needs-devices">
            {readiness === 'no-microphone' ? tr.t('home.needsMicrophone') : tr.t('home.checkFirst')}
          </p>
        )}
        <button
          className="big"
          data-testid="join"
          disabled={noPoints || joining || !devicesOk}
          aria-describedby={!noPoints && !devicesOk ? 'join-why' : undefined}
          title={noPoints ? tr.t('home.talkAgain', { until }) : undefined}
          onClick={() => void join()}
        >
          {joinLabel(tr, readiness, joining)}
        </button>
      </section>
      <DeviceCheck />
      <Presence canInvite={!noPoints && devicesOk} />
    </main>
  );
}
