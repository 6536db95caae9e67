import { useState } from 'react';
import { useParley } from '../app/context';
import { sentenceForError } from '../api/problems';
import type { Profile } from '../api/types';
import { useLoader } from '../hooks/useLoader';
import { useT } from '../i18n/context';
import { Progress } from './Progress';

const REFRESH_MS = 10_000;

/** People online now, refreshed every 10 s and whenever a pushed message arrives. */
export function Presence({ canInvite }: { canInvite: boolean }) {
  const { api, state, actions } = useParley();
  const tr = useT();
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
  const failed = people.error !== null;
  return (
    <section className="card">
      <h2>{tr.t('presence.title')}</h2>
      {failed && (
        <p className="muted">
          {sentenceForError(tr, people.error)}{' '}
          <button className="link" onClick={people.reload}>
            {tr.t('common.retry')}
          </button>
        </p>
      )}
      {!people.data && !failed && <Progress text={tr.t('presence.looking')} />}
      {people.data && list.length === 0 && <p className="muted">{tr.t('presence.nobody')}</p>}
      <ul className="people" data-testid="presence-list">
        {list.map((person) => (
          <li key={person.userId} className={partnerIds.has(person.userId) ? 'partner' : undefined}>
            <div>
              <strong>
                {person.name || tr.t('common.someone')}
                {partnerIds.has(person.userId) && (
                  <span className="tag" data-testid={`partner-${person.userId}`}>
                    {tr.t('presence.partner')}
                  </span>
                )}
              </strong>
              <span className="muted small">
                {tr.t('presence.speaksPractising', {
                  speaks: tr.languages(person.speaks),
                  learns: tr.languages(person.learns),
                })}
              </span>
            </div>
            <button
              data-testid={`invite-${person.userId}`}
              disabled={!canInvite || pending || inviting !== null}
              onClick={() => void invite(person)}
            >
              {inviting === person.userId ? tr.t('presence.inviting') : tr.t('presence.invite')}
              <span className="visually-hidden"> {person.name || tr.t('common.someone')}</span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
