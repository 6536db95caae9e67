import type { ReactElement } from 'react';

/** One quiet line saying why a call is shorter than usual; nothing when it is not. */
export function LengthNote({ text }: { text: string | null }): ReactElement | null {
  if (!text) return null;
  return (
    <p className="muted small" data-testid="length-reason">
      {text}
    </p>
  );
}
