import { useState } from 'react';
import { useParley } from '../app/context';
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
  return (
    <fieldset className="chips" data-testid={props.testid}>
      <legend>{props.label}</legend>
      {LANGUAGES.map(({ code, name }) => (
        <button
          key={code}
          type="button"
          className={props.chosen.includes(code) ? 'chip on' : 'chip'}
          aria-pressed={props.chosen.includes(code)}
          data-testid={`${props.testid}-${code}`}
          onClick={() => props.onChange(toggle(props.chosen, code))}
        >
          {name}
        </button>
      ))}
    </fieldset>
  );
}

/** Languages I speak and want to practise; the matcher prefers tandem partners. */
export function Preferences() {
  const { state, actions } = useParley();
  const saved = state.me?.preferences;
  const [name, setName] = useState(state.me?.name ?? '');
  const [speaks, setSpeaks] = useState<string[]>(saved?.speaks ?? []);
  const [learns, setLearns] = useState<string[]>(saved?.learns ?? []);
  const [status, setStatus] = useState<'idle' | 'saving' | 'saved'>('idle');

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
    const ok = await actions.savePreferences({ name: name.trim() || null, speaks, learns });
    setStatus(ok ? 'saved' : 'idle');
  }

  return (
    <section className="card">
      <h2>Your languages</h2>
      <label className="stack">
        Name others see
        <input
          data-testid="display-name"
          value={name}
          maxLength={40}
          onChange={(e) => {
            setName(e.target.value);
            setStatus('idle');
          }}
        />
      </label>
      <Chips
        label="I speak"
        testid="speaks"
        chosen={speaks}
        onChange={(next) => {
          setSpeaks(next);
          setStatus('idle');
        }}
      />
      <Chips
        label="I want to practise"
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
          disabled={status === 'saving'}
          onClick={() => void save()}
        >
          {status === 'saving' ? 'Saving…' : 'Save'}
        </button>
        {status === 'saved' && <span className="muted">Saved.</span>}
      </div>
    </section>
  );
}
