import { useState } from 'react';
import { useParley } from '../app/context';
import { sentenceForError } from '../api/problems';
import type { PersonRef } from '../api/types';
import { Leaving } from '../components/Leaving';
import { Preferences } from '../components/Preferences';
import { Progress } from '../components/Progress';
import { useLoader } from '../hooks/useLoader';
import { useLanguage, useT } from '../i18n/context';
import { isLocale, LOCALES, ownName } from '../i18n/locales';

export function Settings() {
  const tr = useT();
  return (
    <main className="page narrow" id="main" data-testid="settings-page">
      <h1 className="visually-hidden">{tr.t('settings.title')}</h1>
      <UiLanguage />
      <Preferences />
      <Notifications />
      <PartnersList />
      <Blocked />
      <Leaving />
    </main>
  );
}

/** The language of Parley's screens; each language is named in its own words. */
function UiLanguage() {
  const tr = useT();
  const { locale, choose } = useLanguage();
  const { state, actions } = useParley();
  const prefs = state.me?.preferences;
  return (
    <section className="card" aria-labelledby="ui-language-title">
      <h2 id="ui-language-title">{tr.t('settings.language')}</h2>
      <label className="stack">
        {tr.t('settings.languageLabel')}
        <select
          data-testid="ui-language"
          value={locale}
          onChange={(e) => {
            // Not fetched (offline): the screens simply stay in their language.
            const chosen = e.target.value;
            if (!isLocale(chosen)) return;
            choose(chosen).catch(() => {});
            // Kept with the account too, so every device shows the same language.
            if (prefs)
              void actions.savePreferences({
                name: null,
                speaks: prefs.speaks,
                learns: prefs.learns,
                uiLanguage: chosen,
                levels: prefs.levels,
                welcomesFrom: prefs.welcomesFrom,
              });
          }}
        >
          {LOCALES.map((code) => (
            <option key={code} value={code} lang={code}>
              {ownName(code)}
            </option>
          ))}
        </select>
      </label>
      <p className="muted small">{tr.t('settings.languageNote')}</p>
    </section>
  );
}

function permissionNow(): NotificationPermission | 'unsupported' {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

/** A system notification for an invite or a match while Parley's tab is in the background. */
function Notifications() {
  const tr = useT();
  const [permission, setPermission] = useState(permissionNow);
  return (
    <section className="card" aria-labelledby="notify-title">
      <h2 id="notify-title">{tr.t('settings.notifyTitle')}</h2>
      <p className="muted">{tr.t('settings.notifyIntro')}</p>
      {permission === 'granted' && <p data-testid="notify-on">{tr.t('settings.notifyOn')}</p>}
      {permission === 'default' && (
        <button
          className="secondary"
          data-testid="notify-enable"
          onClick={() => void Notification.requestPermission().then(setPermission)}
        >
          {tr.t('settings.notifyEnable')}
        </button>
      )}
      {permission === 'denied' && <p className="muted">{tr.t('settings.notifyBlocked')}</p>}
    </section>
  );
}

/** My partners; either side can end it. */
function PartnersList() {
  const { api } = useParley();
  const tr = useT();
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
      <h2 id="partners-title">{tr.t('settings.partnersTitle')}</h2>
      {list.data && people.length === 0 && (
        <p className="muted">{tr.t('settings.partnersEmpty')}</p>
      )}
      <ul className="people" data-testid="partners-list">
        {people.map((p) => (
          <li key={p.userId}>
            <strong>{p.name || tr.t('common.someone')}</strong>
            <button
              className="secondary"
              data-testid={`remove-partner-${p.userId}`}
              disabled={busy !== null}
              aria-label={tr.t('settings.removePartner', {
                name: p.name || tr.t('common.thisPerson'),
              })}
              onClick={() => void remove(p)}
            >
              {tr.t('settings.remove')}
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
  const tr = useT();
  const [changed, setChanged] = useState(0);
  const list = useLoader(() => api.blocks(), changed);
  const [busy, setBusy] = useState<string | null>(null);

  async function unblock(person: PersonRef) {
    setBusy(person.userId);
    if (await actions.unblock(person.userId)) setChanged((n) => n + 1);
    setBusy(null);
  }

  const people = list.data?.people ?? [];
  const failed = list.error !== null;
  return (
    <section className="card" aria-labelledby="blocked-title">
      <h2 id="blocked-title">{tr.t('settings.blockedTitle')}</h2>
      {failed && (
        <p className="muted">
          {sentenceForError(tr, list.error)}{' '}
          <button className="link" onClick={list.reload}>
            {tr.t('common.retry')}
          </button>
        </p>
      )}
      {!list.data && !failed && <Progress text={tr.t('common.loading')} />}
      {list.data && people.length === 0 && <p className="muted">{tr.t('settings.blockedEmpty')}</p>}
      <ul className="people" data-testid="blocked-list">
        {people.map((p) => (
          <li key={p.userId}>
            <strong>{p.name || tr.t('common.someone')}</strong>
            <button
              className="secondary"
              data-testid={`unblock-${p.userId}`}
              disabled={busy !== null}
              aria-label={tr.t('settings.unblockName', {
                name: p.name || tr.t('common.thisPerson'),
              })}
              onClick={() => void unblock(p)}
            >
              {busy === p.userId ? tr.t('settings.unblocking') : tr.t('settings.unblock')}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
