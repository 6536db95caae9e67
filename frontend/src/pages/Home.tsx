import { useState } from 'react';
import { useParley } from '../app/context';
import { noPointsSentence } from '../api/problems';
import { History } from '../components/History';
import { Preferences } from '../components/Preferences';
import { Presence } from '../components/Presence';
import { useNow } from '../hooks/useNow';
import { inWords, localTime } from '../lib/countdown';

export function Home() {
  const { state, actions, clock, config } = useParley();
  const now = useNow(30_000);
  const [joining, setJoining] = useState(false);
  const me = state.me;
  if (!me) return null;
  const { left, resetsAt } = me.points;
  const until = inWords(resetsAt, now, clock.offsetMs);
  const noPoints = left <= 0;

  async function join() {
    setJoining(true);
    await actions.joinQueue();
    setJoining(false);
  }

  return (
    <main className="page">
      <section className="card hero">
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
        <button
          className="big"
          data-testid="join"
          disabled={noPoints || joining}
          title={noPoints ? `You can talk again ${until}.` : undefined}
          onClick={() => void join()}
        >
          {joining ? 'Joining…' : 'Join — talk to someone now'}
        </button>
      </section>
      <Presence canInvite={!noPoints} />
      <Preferences />
      <History />
    </main>
  );
}
