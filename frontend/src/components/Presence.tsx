import { useState } from 'react';
import { useParley } from '../app/context';
import { sentenceForError } from '../api/problems';
import type { PresentPerson } from '../api/types';
import type { MessageKey } from '../i18n/translator';
import { useLoader } from '../hooks/useLoader';
import { useT } from '../i18n/context';
import { Progress } from './Progress';

const REFRESH_MS = 10_000;

const WHY: Record<string, MessageKey> = {
  in_call: 'presence.why.in_call',
  busy: 'presence.why.busy',
  no_points: 'presence.why.no_points',
};

/** Who can take an invite now first (partners first among them), then who cannot, and why. */
export function presenceOrder(people: PresentPerson[], partners: ReadonlySet<string>) {
  const can = (p: PresentPerson) => p.available !== false;
  const rank = (p: PresentPerson) => (can(p) ? 0 : 2) + (partners.has(p.userId) ? 0 : 1);
  return people
    .map((p, i) => ({ p, i }))
    .sort((a, b) => rank(a.p) - rank(b.p) || a.i - b.i)
    .map(({ p }) => p);
}

/** People online now, refreshed every 10 s and whenever a pushed message arrives. */
export function Presence({ canInvite }: { canInvite: boolean }) {
  const { api, state, actions } = useParley();
  const tr = useT();
  const people = useLoader(() => api.presence(), state.pushes, REFRESH_MS);
  const partners = useLoader(() => api.partners(), state.pushes, REFRESH_MS);
  const partnerIds = new Set(partners.data?.people.map((p) => p.userId) ?? []);
  const [inviting, setInviting] = useState<string | null>(null);
  const pending = state.outgoing !== null;

  async function invite(person: PresentPerson) {
    setInviting(person.userId);
    await actions.invite(person);
    setInviting(null);
  }

  // The server lists partners first; keep that order even if the two answers disagree.
  const all = people.data?.people ?? [];
  const list = presenceOrder(all, partnerIds);
  const failed = people.error !== null;
  return (
    <section className="card presence">
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
            {person.available === false ? (
              <span className="muted small" data-testid={`unavailable-${person.userId}`}>
                {tr.t(WHY[person.why ?? 'busy'] ?? 'presence.why.busy')}
              </span>
            ) : (
              <button
                data-testid={`invite-${person.userId}`}
                disabled={!canInvite || pending || inviting !== null}
                onClick={() => void invite(person)}
              >
                {inviting === person.userId ? tr.t('presence.inviting') : tr.t('presence.invite')}
                <span className="visually-hidden"> {person.name || tr.t('common.someone')}</span>
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
