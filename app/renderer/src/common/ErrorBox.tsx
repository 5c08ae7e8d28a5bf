// An error about a whole form or screen, announced as it appears; nothing when there is none.
import type { ReactNode } from 'react';

export function ErrorBox({ children, id }: { children: ReactNode; id?: string }) {
  if (children === null || children === undefined || children === false || children === '') {
    return null;
  }
  return (
    <p id={id} role="alert" className="error-box">
      {children}
    </p>
  );
}
