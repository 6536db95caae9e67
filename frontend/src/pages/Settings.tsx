import { useState } from 'react';
import { useParley } from '../app/context';
import type { PersonRef } from '../api/types';
import { Leaving } from '../components/Leaving';
import { Preferences } from '../components/Preferences';
import { Progress } from '../components/Progress';
import { useLoader } from '../hooks/useLoader';

export function Settings() {
  return (
    <main className="page narrow" id="main" data-testid="settings-page">
      <h1 className="visually-hidden">Settings</h1>
      <Preferences />
      <Notifications />
      <PartnersList />
      <Blocked />
      <Leaving />
    </main>
  );
}

function permissionNow(): NotificationPermission | 'unsupported' {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

/** A system notification for an invite or a match while Parley's tab is in the background. */
function Notifications() {
  const [permission, setPermission] = useState(permissionNow);
  return (
    <section className="card" aria-labelledby="notify-title">
      <h2 id="notify-title">When Parley is in the background</h2>
      <p className="muted">
        The tab title changes and a short sound plays when someone invites you or your conversation
        starts.
      </p>
      {permission === 'granted' && <p data-testid="notify-on">System notifications are on.</p>}
      {permission === 'default' && (
        <button
          className="secondary"
          data-testid="notify-enable"
          onClick={() => void Notification.requestPermission().then(setPermission)}
        >
          Also show a system notification
        </button>
      )}
      {permission === 'denied' && (
        <p className="muted">
          Notifications are blocked for Parley in this browser; allow them in the site settings (the
          padlock in the address bar) if you want them.
        </p>
      )}
    </section>
  );
}

/** My partners; either side can end it. */
function PartnersList() {
  const { api } = useParley();
  const [changed, setChanged] = useState(0);
  const list = useLoader(() => api.partners(), changed);
  const [busy, setBusy] = useState<string | null>(null);

  async function remove(person: PersonRef) {
    setBusy(person.userId);
    try {
      await api.removePartner(person.userId);
      setChanged((n) => n + 1);
    } finally {
      setBusy(null);
    }
  }

  const people = list.data?.people ?? [];
  return (
    <section className="card" aria-labelledby="partners-title">
      <h2 id="partners-title">Your partners</h2>
      {list.data && people.length === 0 && (
        <p className="muted">
          After a conversation, say you would talk again: if they say so too, you become partners.
        </p>
      )}
      <ul className="people" data-testid="partners-list">
        {people.map((p) => (
          <li key={p.userId}>
            <strong>{p.name || 'Someone'}</strong>
            <button
              className="secondary"
              data-testid={`remove-partner-${p.userId}`}
              disabled={busy !== null}
              aria-label={`Remove ${p.name || 'this person'} from partners`}
              onClick={() => void remove(p)}
            >
              Remove
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** People I blocked, each can be unblocked. */
function Blocked() {
  const { api, actions } = useParley();
  const [changed, setChanged] = useState(0);
  const list = useLoader(() => api.blocks(), changed);
  const [busy, setBusy] = useState<string | null>(null);

  async function unblock(person: PersonRef) {
    setBusy(person.userId);
    if (await actions.unblock(person.userId)) setChanged((n) => n + 1);
    setBusy(null);
  }

  const people = list.data?.people ?? [];
  return (
    <section className="card" aria-labelledby="blocked-title">
      <h2 id="blocked-title">People you blocked</h2>
      {list.error && (
        <p className="muted">
          {list.error}{' '}
          <button className="link" onClick={list.reload}>
            Retry
          </button>
        </p>
      )}
      {!list.data && !list.error && <Progress text="Loading…" />}
      {list.data && people.length === 0 && <p className="muted">You have not blocked anyone.</p>}
      <ul className="people" data-testid="blocked-list">
        {people.map((p) => (
          <li key={p.userId}>
            <strong>{p.name || 'Someone'}</strong>
            <button
              className="secondary"
              data-testid={`unblock-${p.userId}`}
              disabled={busy !== null}
              aria-label={`Unblock ${p.name || 'this person'}`}
              onClick={() => void unblock(p)}
            >
              {busy === p.userId ? 'Unblocking…' : 'Unblock'}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
