import { useEffect, useRef, type ReactNode } from 'react';

/**
 * A small question before something that cannot be undone: focus starts on the confirming
 * button (Enter confirms), Escape cancels, and focus returns to what opened it.
 */
export function Confirm(props: {
  title: string;
  confirm: string;
  cancel: string;
  testid: string;
  onConfirm: () => void;
  onCancel: () => void;
  children?: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const yes = useRef<HTMLButtonElement>(null);
  const { onCancel } = props;
  useEffect(() => {
    const dialog = ref.current;
    const opener = document.activeElement as HTMLElement | null;
    if (dialog && !dialog.open) {
      if (typeof dialog.showModal === 'function') dialog.showModal();
      else dialog.setAttribute('open', '');
    }
    yes.current?.focus();
    const cancel = (e: Event) => {
      e.preventDefault();
      onCancel();
    };
    dialog?.addEventListener('cancel', cancel);
    return () => {
      dialog?.removeEventListener('cancel', cancel);
      if (dialog?.open) dialog.close();
      opener?.focus?.();
    };
  }, [onCancel]);
  return (
    <dialog
      ref={ref}
      className="dialog confirm"
      role="alertdialog"
      aria-labelledby={`${props.testid}-title`}
      aria-describedby={props.children ? `${props.testid}-body` : undefined}
      data-testid={props.testid}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.preventDefault();
          onCancel();
        }
      }}
    >
      <h2 id={`${props.testid}-title`}>{props.title}</h2>
      {props.children && <div id={`${props.testid}-body`}>{props.children}</div>}
      <div className="row end">
        <button className="secondary" data-testid={`${props.testid}-cancel`} onClick={onCancel}>
          {props.cancel}
        </button>
        <button
          ref={yes}
          className="danger"
          data-testid={`${props.testid}-confirm`}
          onClick={props.onConfirm}
        >
          {props.confirm}
        </button>
      </div>
    </dialog>
  );
}
