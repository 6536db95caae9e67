import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { ChatLine } from '../hooks/useCall';
import { useT } from '../i18n/context';
import { Icon } from './Icon';

/** In-call text chat over the media connection's data channel. */
export function ChatPanel(props: {
  lines: ChatLine[];
  send: (text: string) => boolean;
  partner: string;
  /** Lines already kept in My words (by text). */
  kept?: ReadonlySet<string>;
  /** Keep a line in My words (the star). */
  keep?: (text: string) => void;
}) {
  const tr = useT();
  const [text, setText] = useState('');
  const [problem, setProblem] = useState(false);
  const end = useRef<HTMLLIElement>(null);
  useEffect(() => {
    // Braces matter: newer browsers return a Promise from scrollIntoView.
    void end.current?.scrollIntoView?.({ block: 'nearest' });
  }, [props.lines.length]);

  function submit(event: FormEvent) {
    event.preventDefault();
    const message = text.trim();
    if (!message) return;
    if (props.send(message)) {
      setText('');
      setProblem(false);
    } else {
      setProblem(true);
    }
  }

  return (
    <section className="chat" aria-label={tr.t('chat.label')}>
      <ul data-testid="chat-lines">
        {props.lines.map((line) => (
          <li key={line.id} className={line.fromMe ? 'me' : 'them'}>
            <span className="small muted">{line.fromMe ? tr.t('common.you') : props.partner}</span>{' '}
            {line.text}
            {props.keep && (
              <button
                className={props.kept?.has(line.text) ? 'star on' : 'star'}
                data-testid={`keep-word-${line.id}`}
                aria-label={tr.t('chat.keep', { text: line.text })}
                title={
                  props.kept?.has(line.text)
                    ? tr.t('chat.kept')
                    : tr.t('chat.keep', { text: line.text })
                }
                aria-pressed={props.kept?.has(line.text) ?? false}
                onClick={() => props.keep?.(line.text)}
              >
                <Icon name={props.kept?.has(line.text) ? 'star' : 'starLine'} />
              </button>
            )}
          </li>
        ))}
        <li ref={end} aria-hidden="true" />
      </ul>
      {problem && <p className="small muted">{tr.t('chat.notConnected')}</p>}
      <form className="row" onSubmit={submit}>
        <input
          data-testid="chat-input"
          placeholder={tr.t('chat.placeholder')}
          value={text}
          maxLength={500}
          onChange={(e) => setText(e.target.value)}
        />
        <button type="submit" data-testid="chat-send">
          {tr.t('chat.send')}
        </button>
      </form>
    </section>
  );
}
