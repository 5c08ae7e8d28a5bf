// A modal dialog on the native <dialog>: the browser traps focus, Escape closes, the rest of the
// page is inert. role=dialog and its name come from the title.
import { useEffect, useId, useRef, type ReactNode } from 'react';

interface DialogProps {
  title: string;
  onClose: () => void;
  children: ReactNode;
  /** role=alertdialog for warnings that need an answer. */
  alert?: boolean;
  /** Wider, for dialogs showing a table. */
  wide?: boolean;
}

export function Dialog({ title, onClose, children, alert, wide }: DialogProps) {
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
      className={wide ? 'dialog wide' : 'dialog'}
      aria-labelledby={titleId}
      role={alert ? 'alertdialog' : undefined}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <h2 id={titleId}>{title}</h2>
      {children}
    </dialog>
  );
}

interface DialogButtonsProps {
  /** The button that leaves without doing anything: "Cancel", or "Close" once all is done. */
  dismiss?: string;
  onDismiss: () => void;
  /**
   * The main action. Without onClick it submits the dialog's form; while busy it is disabled and
   * says so (busyLabel).
   */
  action?: {
    label: string;
    busy?: boolean;
    busyLabel?: string;
    /** Not possible yet (the reason is shown in the dialog). */
    disabled?: boolean;
    onClick?: () => void;
  };
}

/** The row of buttons closing a dialog: the dismissing one, then the main action. */
export function DialogButtons({ dismiss = 'Cancel', onDismiss, action }: DialogButtonsProps) {
  return (
    <div className="dialog-buttons">
      <button type="button" onClick={onDismiss}>
        {dismiss}
      </button>
      {action ? (
        <button
          type={action.onClick ? 'button' : 'submit'}
          className="primary"
          disabled={action.busy || action.disabled}
          onClick={action.onClick}
        >
          {action.busy && action.busyLabel ? action.busyLabel : action.label}
        </button>
      ) : null}
    </div>
  );
}
