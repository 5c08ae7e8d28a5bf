// A WAI-ARIA toolbar: a named group of controls. Left/Right (and Home/End) move between its
// buttons, as the pattern expects; Tab still reaches each control, and text fields keep their
// arrow keys.
import type { KeyboardEvent, ReactNode } from 'react';

interface ToolbarProps {
  /** The accessible name, e.g. "VM actions". */
  label: string;
  className?: string;
  children: ReactNode;
}

export function Toolbar({ label, className, children }: ToolbarProps) {
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (!(e.target instanceof HTMLButtonElement)) return;
    const buttons = [...e.currentTarget.querySelectorAll<HTMLButtonElement>('button')].filter(
      (b) => !b.disabled,
    );
    const at = buttons.indexOf(e.target);
    const moves: Record<string, number> = {
      ArrowRight: (at + 1) % buttons.length,
      ArrowLeft: (at - 1 + buttons.length) % buttons.length,
      Home: 0,
      End: buttons.length - 1,
    };
    const next = moves[e.key];
    if (next === undefined || at < 0) return;
    e.preventDefault();
    buttons[next]?.focus();
  };
  return (
    <div className={className} role="toolbar" aria-label={label} onKeyDown={onKeyDown}>
      {children}
    </div>
  );
}
