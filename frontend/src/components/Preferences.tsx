import { useState } from 'react';
import { useParley } from '../app/context';
import { nameRefusal } from '../api/problems';
import type { FieldError } from '../api/http';
import type { Cefr, Levels } from '../api/types';
import { useT } from '../i18n/context';
import { LANGUAGES } from '../lib/languages';
import { CEFR_LEVELS, isCefr, levelLine, levelsFor } from '../lib/levels';

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

/** For each language learnt, my level (A1..C2, each described in a line), or "not said". */
function LevelPickers(props: {
  learns: string[];
  levels: Levels;
  onChange: (code: string, level: Cefr | null) => void;
}) {
  const tr = useT();
  return (
    <fieldset className="levels" data-testid="levels" aria-describedby="levels-lead">
      <legend>{tr.t('levels.title')}</legend>
      <p className="muted small" id="levels-lead">
        {tr.t('levels.lead')}
      </p>
      {props.learns.map((code) => {
        const chosen = props.levels[code];
        return (
          <div key={code}>
            <label className="stack">
              {tr.t('levels.in', { language: tr.language(code) })}
              <select
                data-testid={`level-${code}`}
                value={chosen ?? ''}
                aria-describedby={chosen ? `level-${code}-says` : undefined}
                onChange={(e) => {
                  const level = e.target.value;
                  props.onChange(code, isCefr(level) ? level : null);
                }}
              >
                <option value="">{tr.t('levels.unset')}</option>
                {CEFR_LEVELS.map((level) => (
                  <option key={level} value={level}>
                    {levelLine(tr, level)}
                  </option>
                ))}
              </select>
            </label>
            {/* A narrow select cuts its option short: the chosen level's line, whole. */}
            {chosen && (
              <p className="muted small" id={`level-${code}-says`}>
                {tr.t(`levels.${chosen}`)}
              </p>
            )}
          </div>
        );
      })}
    </fieldset>
  );
}

/** The lowest level of learners I like to help in the languages I speak. */
function WelcomesFrom(props: { value: Cefr; onChange: (level: Cefr) => void }) {
  const tr = useT();
  return (
    <div className="levels">
      <label className="stack">
        {tr.t('levels.welcome')}
        <select
          data-testid="welcomes-from"
          value={props.value}
          aria-describedby="welcomes-from-says welcomes-from-hint"
          onChange={(e) => {
            const level = e.target.value;
            if (isCefr(level)) props.onChange(level);
          }}
        >
          {CEFR_LEVELS.map((level) => (
            <option key={level} value={level}>
              {levelLine(tr, level)}
            </option>
          ))}
        </select>
      </label>
      <p className="muted small" id="welcomes-from-says">
        {tr.t(`levels.${props.value}`)}
      </p>
      <p className="muted small" id="welcomes-from-hint">
        {tr.t('levels.welcomeHint')}
      </p>
    </div>
  );
}

/**
 * Languages I speak and want to practise, my level in each one learnt and the learners I
 * welcome; the matcher prefers tandem partners. As the first
 * step (`first`), it asks for them before anything else and needs a language spoken.
 */
export function Preferences({ first = false }: { first?: boolean }) {
  const { state, actions } = useParley();
  const tr = useT();
  const saved = state.me?.preferences;
  const [name, setName] = useState(state.me?.name ?? '');
  const [speaks, setSpeaks] = useState<string[]>(saved?.speaks ?? []);
  const [learns, setLearns] = useState<string[]>(saved?.learns ?? []);
  const [levels, setLevels] = useState<Levels>(saved?.levels ?? {});
  const [welcomesFrom, setWelcomesFrom] = useState<Cefr>(saved?.welcomesFrom ?? 'A1');
  const [status, setStatus] = useState<'idle' | 'saving' | 'saved'>('idle');
  const [nameError, setNameError] = useState<FieldError | null>(null);

  // Follow the server when it changes (another tab, or the first load).
  // (Adjusted while rendering, as React recommends for state derived from a changed prop.)
  const savedKey = JSON.stringify([
    state.me?.name,
    saved?.speaks,
    saved?.learns,
    saved?.levels,
    saved?.welcomesFrom,
  ]);
  const [shownKey, setShownKey] = useState(savedKey);
  if (shownKey !== savedKey) {
    setShownKey(savedKey);
    setName(state.me?.name ?? '');
    setSpeaks(saved?.speaks ?? []);
    setLearns(saved?.learns ?? []);
    setLevels(saved?.levels ?? {});
    setWelcomesFrom(saved?.welcomesFrom ?? 'A1');
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
      // A level chosen for a language since unticked goes with it.
      levels: levelsFor(learns, levels),
      welcomesFrom,
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
      {learns.length > 0 && (
        <LevelPickers
          learns={learns}
          levels={levels}
          onChange={(code, level) => {
            const next = { ...levels };
            if (level) next[code] = level;
            else delete next[code];
            setLevels(next);
            setStatus('idle');
          }}
        />
      )}
      {speaks.length > 0 && (
        <WelcomesFrom
          value={welcomesFrom}
          onChange={(level) => {
            setWelcomesFrom(level);
            setStatus('idle');
          }}
        />
      )}
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
