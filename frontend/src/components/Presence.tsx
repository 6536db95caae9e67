import { useState } from 'react';
import { useParley } from '../app/context';
import type { Profile } from '../api/types';
import { useLoader } from '../hooks/useLoader';
import { languageList } from '../lib/languages';
import { Progress } from './Progress';

const REFRESH_MS = 10_000;

/** People online now, refreshed every 10 s and whenever a pushed message arrives. */
export function Presence({ canInvite }: { canInvite: boolean }) {
  const { api, state, actions } = useParley();
  const people = useLoader(() => api.presence(), state.pushes, REFRESH_MS);
  const partners = useLoader(() => api.partners(), state.pushes, REFRESH_MS);
  const partnerIds = new Set(partners.data?.people.map((p) => p.userId) ?? []);
  const [inviting, setInviting] = useState<string | null>(null);
  const pending = state.outgoing !== null;

  async function invite(person: Profile) {
    setInviting(person.userId);
    await actions.invite(person);
    setInviting(null);
  }

  // The server lists partners first; keep that order even if the two answers disagree.
  const all = people.data?.people ?? [];
  const list = [
    ...all.filter((p) => partnerIds.has(p.userId)),
    ...all.filter((p) => !partnerIds.has(p.userId)),
  ];
  return (
    <section className="card">
      <h2>Online now</h2>
      {people.error && (
        <p className="muted">
          {people.error}{' '}
          <button className="link" onClick={people.reload}>
            Retry
          </button>
        </p>
      )}
      {!people.data && !people.error && <Progress text="Looking who is online…" />}
      {people.data && list.length === 0 && (
        <p className="muted">Nobody else is free right now. Press Join and Parley will pair you.</p>
      )}
      <ul className="people" data-testid="presence-list">
        {list.map((person) => (
          <li key={person.userId} className={partnerIds.has(person.userId) ? 'partner' : undefined}>
            <div>
              <strong>
                {person.name || 'Someone'}
                {partnerIds.has(person.userId) && (
                  <span className="tag" data-testid={`partner-${person.userId}`}>
                    Partner
                  </span>
                )}
              </strong>
              <span className="muted small">
                speaks {languageList(person.speaks)} · practising {languageList(person.learns)}
              </span>
            </div>
            <button
              data-testid={`invite-${person.userId}`}
              disabled={!canInvite || pending || inviting !== null}
              onClick={() => void invite(person)}
            >
              {inviting === person.userId ? 'Inviting…' : 'Invite'}
              <span className="visually-hidden"> {person.name || 'Someone'}</span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
