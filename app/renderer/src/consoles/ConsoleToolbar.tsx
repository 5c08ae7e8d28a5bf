// The toolbar over a console: its own actions, Reconnect once the console ended, and the
// connection's status (or a notice about the last action) in words.
import type { ReactNode } from 'react';
import { Toolbar } from '../common/Toolbar.js';
import { isEnded, statusText, type ConsolePhase } from './console-status.js';

interface ConsoleToolbarProps {
  /** The console's accessible name, e.g. "Serial console of web1/db2". */
  label: string;
  /** "the serial console of web1/db2", for the status. */
  title: string;
  state: ConsolePhase;
  /** Said instead of the status, e.g. why the clipboard could not be read. */
  notice: string | null;
  onReconnect: () => void;
  /** The console's own buttons. */
  children: ReactNode;
}

export function ConsoleToolbar({
  label,
  title,
  state,
  notice,
  onReconnect,
  children,
}: ConsoleToolbarProps) {
  return (
    <Toolbar className="console-toolbar" label={`Actions of ${label}`}>
      {children}
      {isEnded(state) && (
        <button type="button" onClick={onReconnect}>
          Reconnect
        </button>
      )}
      <span className="console-status" role="status">
        {notice ?? statusText(state, title)}
      </span>
    </Toolbar>
  );
}
