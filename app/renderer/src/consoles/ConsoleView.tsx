// One console in a tab: the serial console (xterm.js), the graphical console (noVNC) or the local
// terminal. SKELETON: the consoles branch replaces this with the real implementation; the props
// are the agreement with the screens that show consoles.
import type { ConsoleKind, ConvirtClient } from '../../../shared/contract/convirt-contract.js';

export type ConsoleTarget = { host: string; vm: string; kind: ConsoleKind } | { local: true };

export interface ConsoleViewProps {
  client: ConvirtClient;
  target: ConsoleTarget;
  /** Accessible name of the console region, e.g. "Serial console of web1/db2". */
  label: string;
}

export function ConsoleView({ label }: ConsoleViewProps) {
  return (
    <section aria-label={label}>
      <p role="status">Consoles are not available in this build yet.</p>
    </section>
  );
}
