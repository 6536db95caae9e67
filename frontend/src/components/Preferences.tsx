import { useState } from 'react';
import { useParley } from '../app/context';
import { nameRefusal } from '../api/problems';
import type { FieldError } from '../api/http';
import { useT } from '../i18n/context';
import { LANGUAGES } from '../lib/languages';

function toggle(list: string[], code: string): string[] {
  return list.includes(code) ? list.filter((c) => c !== code) : [...list, code];
}

function Chips(props: {
  label: string;
  testid: string;
  chosen: string[];
  onChange: (next: string[]) => void;
}) {
  const tr = useT();
  return (
    <fieldset className="chips" data-testid={props.testid}>
      <legend>{props.label}</legend>
      {LANGUAGES.map((code) => (
        <button
          key={code}
          type="button"
          className={props.chosen.includes(code) ? 'chip on' : 'chip'}
          aria-pressed={props.chosen.includes(code)}
          data-testid={`${props.testid}-${code}`}
          onClick={() => props.onChange(toggle(props.chosen, code))}
        >
          {tr.language(code)}
        </button>
      ))}
    </fieldset>
  );
}

/**
 * Languages I speak and want to practise; the matcher prefers tandem partners. As the first
 * step (`first`), it asks for them before anything else and needs a language spoken.
 */
export function Preferences({ first = false }: { first?: boolean }) {
  const { state, actions } = useParley();
  const tr = useT();
  const saved = state.me?.preferences;
  const [name, setName] = useState(state.me?.name ?? '');
  const [speaks, setSpeaks] = useState<string[]>(saved?.speaks ?? []);
  const [learns, setLearns] = useState<string[]>(saved?.learns ?? []);
  const [status, setStatus] = useState<'idle' | 'saving' | 'saved'>('idle');
  const [nameError, setNameError] = useState<FieldError | null>(null);

  // Follow the server when it changes (another tab, or the first load).
  // (Adjusted while rendering, as React recommends for state derived from a changed prop.)
  const savedKey = JSON.stringify([state.me?.name, saved?.speaks, saved?.learns]);
  const [shownKey, setShownKey] = useState(savedKey);
  if (shownKey !== savedKey) {
    setShownKey(savedKey);
    setName(state.me?.name ?? '');
    setSpeaks(saved?.speaks ?? []);
    setLearns(saved?.learns ?? []);
  }

  async function save() {
    setStatus('saving');
    setNameError(null);
    // The screens' language is chosen elsewhere (Settings' picker): keep what the account has.
    const uiLanguage = saved?.uiLanguage ?? null;
    const result = await actions.savePreferences({
      name: name.trim() || null,
      speaks,
      learns,
      uiLanguage,
    });
    if (typeof result === 'object') setNameError(result);
    setStatus(result === true ? 'saved' : 'idle');
  }

  const needsSpeaks = first && speaks.length === 0;

  return (
    <section
      className="card"
      data-testid={first ? 'first-step' : undefined}
      aria-labelledby={first ? 'first-step-title' : undefined}
    >
      {first ? (
        <>
          <h2 id="first-step-title">{tr.t('first.title')}</h2>
          <p className="muted">{tr.t('first.lead')}</p>
        </>
      ) : (
        <h2>{tr.t('prefs.title')}</h2>
      )}
      <label className="stack">
        {tr.t('prefs.name')}
        <input
          data-testid="display-name"
          value={name}
          maxLength={40}
          aria-invalid={nameError ? true : undefined}
          aria-describedby={nameError ? 'display-name-error' : undefined}
          onChange={(e) => {
            setName(e.target.value);
            setNameError(null);
            setStatus('idle');
          }}
        />
      </label>
      {nameError && (
        <p className="field-error" id="display-name-error" role="alert" data-testid="name-error">
          {nameRefusal(tr, nameError.message)}
        </p>
      )}
      <Chips
        label={tr.t('prefs.speaks')}
        testid="speaks"
        chosen={speaks}
        onChange={(next) => {
          setSpeaks(next);
          setStatus('idle');
        }}
      />
      <Chips
        label={tr.t('prefs.learns')}
        testid="learns"
        chosen={learns}
        onChange={(next) => {
          setLearns(next);
          setStatus('idle');
        }}
      />
      <div className="row">
        <button
          data-testid="save-preferences"
          disabled={status === 'saving' || needsSpeaks}
          aria-describedby={needsSpeaks ? 'first-step-why' : undefined}
          onClick={() => void save()}
        >
          {status === 'saving'
            ? tr.t('common.saving')
            : first
              ? tr.t('first.continue')
              : tr.t('prefs.save')}
        </button>
        {needsSpeaks && (
          <span className="muted small" id="first-step-why">
            {tr.t('first.needSpeaks')}
          </span>
        )}
        {status === 'saved' && <span className="muted">{tr.t('prefs.saved')}</span>}
      </div>
    </section>
  );
}
