import { useState } from 'react';
import { useParley } from '../app/context';
import type { View } from '../app/view';
import { noPointsSentence } from '../api/problems';
import { DeviceCheck } from '../components/DeviceCheck';
import { Presence } from '../components/Presence';
import { useNow } from '../hooks/useNow';
import { inWords, localTime } from '../lib/countdown';
import { HistoryPage } from './HistoryPage';
import { Settings } from './Settings';

const TABS: Array<{ view: View; label: string }> = [
  { view: 'talk', label: 'Talk' },
  { view: 'history', label: 'History' },
  { view: 'settings', label: 'Settings' },
];

export function Home() {
  const { view, go } = useParley();
  return (
    <>
      <nav className="tabs" aria-label="Parley">
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
            {t.label}
          </a>
        ))}
      </nav>
      {view === 'history' ? <HistoryPage /> : view === 'settings' ? <Settings /> : <Talk />}
    </>
  );
}

/** What Join offers: nothing before the device check, audio only when the camera failed. */
export function joinLabel(readiness: string, joining: boolean): string {
  if (joining) return 'Joining…';
  if (readiness === 'audio-only') return 'Join with audio only';
  return 'Join — talk to someone now';
}

function Talk() {
  const { state, actions, clock, config, devices } = useParley();
  const now = useNow(30_000);
  const [joining, setJoining] = useState(false);
  const me = state.me;
  if (!me) return null;
  const { left, resetsAt } = me.points;
  const until = inWords(resetsAt, now, clock.offsetMs);
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
      <h1 className="visually-hidden">Talk</h1>
      <section className="card hero" aria-label="Your day">
        <p className="points">
          <strong data-testid="points-left">{left}</strong> {left === 1 ? 'point' : 'points'} left
          today
        </p>
        <p className="muted">
          One point is one started minute. Your points reset at {localTime(resetsAt)} ({until}).
        </p>
        {/* When the banner above already says it (a Join was just refused), say it once. */}
        {noPoints && state.ticketRejection !== 'no_points' && (
          <p className="blocked" data-testid="join-blocked">
            {noPointsSentence(until, config.limits?.dailyPoints)}
          </p>
        )}
        {!noPoints && !devicesOk && (
          <p className="muted small" id="join-why" data-testid="join-needs-devices">
            {readiness === 'no-microphone'
              ? 'Parley needs your microphone before you join — see the help below.'
              : 'Check your camera and microphone below, then join.'}
          </p>
        )}
        <button
          className="big"
          data-testid="join"
          disabled={noPoints || joining || !devicesOk}
          aria-describedby={!noPoints && !devicesOk ? 'join-why' : undefined}
          title={noPoints ? `You can talk again ${until}.` : undefined}
          onClick={() => void join()}
        >
          {joinLabel(readiness, joining)}
        </button>
      </section>
      <DeviceCheck />
      <Presence canInvite={!noPoints && devicesOk} />
    </main>
  );
}
