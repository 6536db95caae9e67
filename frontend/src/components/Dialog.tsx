import { useEffect, useRef, type ReactNode } from 'react';
import { useT } from '../i18n/context';

/**
 * A modal dialog (the native <dialog>): focus moves into it when it opens, Escape closes it,
 * the page behind is inert, and focus goes back to what opened it when it closes.
 */
export function Dialog(props: {
  title: string;
  testid: string;
  onClose: () => void;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const tr = useT();
  const { onClose } = props;
  useEffect(() => {
    const dialog = ref.current;
    const opener = document.activeElement as HTMLElement | null;
    if (dialog && !dialog.open) {
      if (typeof dialog.showModal === 'function') dialog.showModal();
      else dialog.setAttribute('open', '');
    }
    const first = dialog?.querySelector<HTMLElement>(
      '[autofocus], button, select, input, textarea',
    );
    first?.focus();
    const cancel = (e: Event) => {
      e.preventDefault();
      onClose();
    };
    dialog?.addEventListener('cancel', cancel);
    return () => {
      dialog?.removeEventListener('cancel', cancel);
      if (dialog?.open) dialog.close();
      opener?.focus?.();
    };
  }, [onClose]);
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={`${props.testid}-title`}
      data-testid={props.testid}
    >
      <div className="dialog-head">
        <h2 id={`${props.testid}-title`}>{props.title}</h2>
        <button className="link" onClick={onClose} data-testid={`${props.testid}-close`}>
          {tr.t('common.close')}
        </button>
      </div>
      {props.children}
    </dialog>
  );
}
