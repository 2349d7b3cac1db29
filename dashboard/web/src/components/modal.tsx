import { type ReactNode, useEffect, useId, useRef } from 'react';

/**
 * A modal on the native <dialog> element (focus trap, inert background, top layer for free).
 * `dismissable: false` ignores Escape, for dialogs that need an explicit answer.
 */
export function Modal({
  title,
  children,
  onClose,
  dismissable = true,
}: {
  title: string;
  children: ReactNode;
  onClose: () => void;
  dismissable?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      className="modal"
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        if (dismissable) onClose();
      }}
    >
      <h2 id={titleId}>{title}</h2>
      {children}
    </dialog>
  );
}
