import { type ReactNode, useEffect, useId, useRef } from 'react';

interface Props {
  open: boolean;
  title: ReactNode;
  /** Escape, like a "Cancel"/"Stay" button. */
  onCancel: () => void;
  children: ReactNode;
  /** An id inside the dialog whose text describes it. */
  describedBy?: string;
  role?: 'dialog' | 'alertdialog';
}

// A modal <dialog>: showModal() makes the rest of the page inert (focus is
// trapped inside), puts focus on the first control (or one marked autoFocus),
// and gives focus back to where it was when the dialog closes.
export function Dialog({ open, title, onCancel, children, describedBy, role = 'dialog' }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      className="dialog"
      role={role}
      aria-modal="true"
      aria-labelledby={titleId}
      aria-describedby={describedBy}
      onCancel={(event) => {
        event.preventDefault();
        onCancel();
      }}
    >
      {open && (
        <>
          <h2 id={titleId} className="dialog__title">
            {title}
          </h2>
          {children}
        </>
      )}
    </dialog>
  );
}
