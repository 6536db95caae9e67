/** A spinner with words: shown whenever Parley is waiting for something. */
export function Progress({ text }: { text: string }) {
  return (
    <div className="progress" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      <span>{text}</span>
    </div>
  );
}
