// The consoles of one VM in tabs: serial and graphical, several open at once. Hidden tabs stay
// mounted so their connection and screen survive switching. Which are open is kept in the view
// store: when the VM moves to another host, its view there opens them again, on the new host.
import type { ConsoleKind } from '../../../shared/contract/convirt-contract.js';
import { useClient } from '../client-context.js';
import { Tabs, type TabSpec } from '../common/Tabs.js';
import { ConsoleView } from '../consoles/ConsoleView.js';
import { useViewStore } from '../store/view-store.js';

const TITLES: Record<ConsoleKind, string> = { serial: 'Serial', graphics: 'Graphical' };

let nextConsole = 1;

export function VmConsoles({
  host,
  vm,
  hasGraphics,
  graphicsNotSupported,
}: {
  host: string;
  vm: string;
  hasGraphics: boolean;
  /** Why the VM's hypervisor offers no graphical console, when it does not. */
  graphicsNotSupported?: string | undefined;
}) {
  const client = useClient();
  const open = useViewStore((s) => s.vmView.consoles);
  const active = useViewStore((s) => s.vmView.activeConsole);
  const setVmView = useViewStore((s) => s.setVmView);
  const setActive = (id: string) => setVmView((view) => ({ ...view, activeConsole: id }));

  const add = (kind: ConsoleKind) => {
    const id = `console-${nextConsole++}`;
    setVmView((view) => ({
      ...view,
      consoles: [...view.consoles, { id, kind }],
      activeConsole: id,
    }));
  };
  const close = (id: string) => {
    setVmView((view) => {
      const rest = view.consoles.filter((c) => c.id !== id);
      const activeConsole =
        view.activeConsole === id ? (rest.at(-1)?.id ?? '') : view.activeConsole;
      return { ...view, consoles: rest, activeConsole };
    });
  };
  const count = (kind: ConsoleKind, upTo: number) =>
    open.slice(0, upTo + 1).filter((c) => c.kind === kind).length;

  const tabs: TabSpec[] = open.map((c, i) => {
    const n = count(c.kind, i);
    const title = `${TITLES[c.kind]}${n > 1 ? ` ${n}` : ''}`;
    const label = `${TITLES[c.kind]} console of ${host}/${vm}${n > 1 ? ` (${n})` : ''}`;
    return {
      id: c.id,
      title,
      after: (
        <button
          type="button"
          className="tab-close"
          aria-label={`Close ${title} console`}
          onClick={() => close(c.id)}
        >
          ×
        </button>
      ),
      content: <ConsoleView client={client} target={{ host, vm, kind: c.kind }} label={label} />,
    };
  });

  return (
    <div className="consoles">
      <div className="actions">
        <button type="button" onClick={() => add('serial')}>
          Open serial console
        </button>
        <button type="button" disabled={!hasGraphics} onClick={() => add('graphics')}>
          Open graphical console
        </button>
      </div>
      {graphicsNotSupported ? <p role="note">{graphicsNotSupported}</p> : null}
      {tabs.length ? (
        <Tabs label="Consoles" tabs={tabs} active={active} onSelect={setActive} keepMounted />
      ) : (
        <p className="muted">No console open. Several can be open at once, each in its own tab.</p>
      )}
    </div>
  );
}
