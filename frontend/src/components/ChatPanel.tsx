import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { ChatLine } from '../hooks/useCall';

/** In-call text chat over the media connection's data channel. */
export function ChatPanel(props: {
  lines: ChatLine[];
  send: (text: string) => boolean;
  partner: string;
}) {
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
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
      setProblem(null);
    } else {
      setProblem('Chat is not connected yet. Try again in a moment.');
    }
  }

  return (
    <section className="chat" aria-label="Chat">
      <ul data-testid="chat-lines">
        {props.lines.map((line) => (
          <li key={line.id} className={line.fromMe ? 'me' : 'them'}>
            <span className="small muted">{line.fromMe ? 'You' : props.partner}</span> {line.text}
          </li>
        ))}
        <li ref={end} aria-hidden="true" />
      </ul>
      {problem && <p className="small muted">{problem}</p>}
      <form className="row" onSubmit={submit}>
        <input
          data-testid="chat-input"
          placeholder="Type a word you could not say…"
          value={text}
          maxLength={500}
          onChange={(e) => setText(e.target.value)}
        />
        <button type="submit" data-testid="chat-send">
          Send
        </button>
      </form>
    </section>
  );
}
