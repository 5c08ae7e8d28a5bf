// A button for an action that cannot be undone, asked once more in place: pressing it shows
// "Really …" and a way back, grouped as a small non-modal alert dialog named by the question.
// Focus goes to the way back (the safe choice), and returns to the button when the question goes.
import { useEffect, useRef, useState, type ReactNode } from 'react';

interface ConfirmButtonProps {
  /** The button's text, e.g. "Remove…". */
  children: ReactNode;
  /** Its accessible name where the text alone does not say what it acts on. */
  label?: string;
  /** The question, the alert dialog's name, e.g. "Remove the host web1?". */
  question: string;
  /** The confirming button's text, e.g. "Really remove web1". */
  confirm: string;
  /** The way back's text. */
  cancel?: string;
  onConfirm: () => void;
}

export function ConfirmButton({
  children,
  label,
  question,
  confirm,
  cancel = 'Cancel',
  onConfirm,
}: ConfirmButtonProps) {
  const [asking, setAsking] = useState(false);
  const trigger = useRef<HTMLButtonElement>(null);
  const back = useRef<HTMLButtonElement>(null);
  // Focus follows the question: to the way back as it shows, to the button as it goes.
  const shown = useRef(false);
  useEffect(() => {
    if (asking) back.current?.focus();
    else if (shown.current) trigger.current?.focus();
    shown.current = asking;
  }, [asking]);

  if (!asking) {
    return (
      <button ref={trigger} type="button" aria-label={label} onClick={() => setAsking(true)}>
        {children}
      </button>
    );
  }
  return (
    <span
      role="alertdialog"
      aria-label={question}
      className="confirm"
      onKeyDown={(e) => {
        if (e.key !== 'Escape') return;
        e.stopPropagation();
        setAsking(false);
      }}
    >
      <button
        type="button"
        className="danger"
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        {confirm}
      </button>
      <button ref={back} type="button" onClick={() => setAsking(false)}>
        {cancel}
      </button>
    </span>
  );
}
