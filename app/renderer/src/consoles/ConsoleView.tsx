// One console in a tab: the serial console (xterm.js), the graphical console (noVNC) or the local
// terminal. The props are the agreement with the screens that show consoles.
import { lazy, Suspense, useState } from 'react';
import type { ConvirtClient } from '../../../shared/contract/convirt-contract.js';
import type { ConsoleTarget } from './console-connection.js';
import './consoles.css';

// xterm.js and noVNC load when the first console opens, not with the window.
const TextConsole = lazy(() =>
  import('./TextConsole.js').then((m) => ({ default: m.TextConsole })),
);
const GraphicalConsole = lazy(() =>
  import('./GraphicalConsole.js').then((m) => ({ default: m.GraphicalConsole })),
);

export type { ConsoleTarget } from './console-connection.js';

export interface ConsoleViewProps {
  client: ConvirtClient;
  target: ConsoleTarget;
  /** Accessible name of the console region, e.g. "Serial console of web1/db2". */
  label: string;
}

export function ConsoleView({ client, target, label }: ConsoleViewProps) {
  // Each connection gets a fresh view: Reconnect, or another target, mounts a new one.
  const [attempt, setAttempt] = useState(0);
  const reconnect = () => setAttempt((n) => n + 1);
  const key = `${'local' in target ? 'local' : `${target.host}/${target.vm}/${target.kind}`}#${attempt}`;
  const title =
    'local' in target
      ? 'the local terminal'
      : `the ${target.kind === 'serial' ? 'serial' : 'graphical'} console of ${target.host}/${target.vm}`;
  return (
    <section className="console-view" aria-label={label}>
      <Suspense fallback={<p className="muted">Loading the console…</p>}>
        {'local' in target || target.kind === 'serial' ? (
          <TextConsole
            key={key}
            client={client}
            target={target}
            title={title}
            label={label}
            onReconnect={reconnect}
          />
        ) : (
          <GraphicalConsole
            key={key}
            client={client}
            host={target.host}
            vm={target.vm}
            title={title}
            label={label}
            onReconnect={reconnect}
          />
        )}
      </Suspense>
    </section>
  );
}
