// The window: a top bar, the fleet tree on the left, the selected screen, the task pane below,
// notifications and dialogs on top.
import { useEffect, useState } from 'react';
import { APP_INFO } from '../../shared/app-info.js';
import { AddHostDialog } from './add-host/AddHostDialog.js';
import { CatalogsView } from './catalogs/CatalogsView.js';
import { ClientContext } from './client-context.js';
import { ErrorBoundary } from './common/ErrorBoundary.js';
import { ConnectionBanner } from './ConnectionBanner.js';
import type { ConnectedClient } from './contract-client/index.js';
import { Dashboard } from './dashboard/Dashboard.js';
import { FleetTree } from './fleet-tree/FleetTree.js';
import { AllVms } from './host-view/AllVms.js';
import { HostView } from './host-view/HostView.js';
import { ImageStorePanel } from './image-store/ImageStorePanel.js';
import { ProvisionDialog } from './image-store/ProvisionDialog.js';
import { RememberedSecrets } from './secrets/RememberedSecrets.js';
import { SettingsView } from './settings/SettingsView.js';
import { SecretPrompt } from './secrets/SecretPrompt.js';
import { feedStore } from './store/feed-store.js';
import { useViewStore, type Screen } from './store/view-store.js';
import { Notices } from './tasks/Notices.js';
import { TemplatesView } from './templates/TemplatesView.js';
import { TaskPane } from './tasks/TaskPane.js';
import { VmView } from './vm-view/VmView.js';

/** Hosts the current screen shows, polled faster by main while they are on screen. */
function focusedHosts(screen: Screen): string[] {
  return screen.kind === 'host' || screen.kind === 'vm' ? [screen.host] : [];
}

/** The screens of the main navigation, with their titles. */
const TOP_SCREENS = [
  ['dashboard', 'Dashboard'],
  ['all-vms', 'All VMs'],
  ['image-store', 'Image store'],
  ['templates', 'Templates and ISOs'],
  ['catalogs', 'Catalogs'],
  ['settings', 'About and settings'],
] as const;

export function App({ client }: { client: ConnectedClient }) {
  const screen = useViewStore((s) => s.screen);
  const show = useViewStore((s) => s.show);
  const addHostOpen = useViewStore((s) => s.addHostOpen);
  const setAddHostOpen = useViewStore((s) => s.setAddHostOpen);
  const provision = useViewStore((s) => s.provision);
  const [secretsOpen, setSecretsOpen] = useState(false);

  useEffect(() => feedStore(client), [client]);
  const focusKey = focusedHosts(screen).join('\n');
  useEffect(() => {
    client.setFocus(focusKey ? focusKey.split('\n') : []).catch(() => {
      // Focus only speeds polling up; a host removed meanwhile is not worth a notice.
    });
  }, [client, focusKey]);

  return (
    <ClientContext.Provider value={client}>
      <div className="app">
        <header className="topbar">
          <button type="button" className="brand" onClick={() => show({ kind: 'dashboard' })}>
            {APP_INFO.name}
          </button>
          <nav aria-label="Main" className="topbar-actions">
            {TOP_SCREENS.map(([kind, title]) => (
              <button
                key={kind}
                type="button"
                aria-current={screen.kind === kind ? 'page' : undefined}
                onClick={() => show({ kind })}
              >
                {title}
              </button>
            ))}
            <button type="button" onClick={() => setSecretsOpen(true)}>
              Remembered secrets…
            </button>
            <button type="button" className="primary" onClick={() => setAddHostOpen(true)}>
              Add host…
            </button>
          </nav>
        </header>
        <nav className="sidebar" aria-label="Fleet navigation">
          <FleetTree />
        </nav>
        <main className="content">
          <ErrorBoundary key={JSON.stringify(screen)} what="This screen">
            {screen.kind === 'dashboard' ? <Dashboard /> : null}
            {screen.kind === 'all-vms' ? <AllVms /> : null}
            {screen.kind === 'image-store' ? <ImageStorePanel /> : null}
            {screen.kind === 'templates' ? <TemplatesView /> : null}
            {screen.kind === 'catalogs' ? <CatalogsView /> : null}
            {screen.kind === 'settings' ? <SettingsView /> : null}
            {screen.kind === 'host' ? <HostView key={screen.host} host={screen.host} /> : null}
            {screen.kind === 'vm' ? (
              <VmView key={`${screen.host}/${screen.vm}`} host={screen.host} vm={screen.vm} />
            ) : null}
          </ErrorBoundary>
        </main>
        <TaskPane />
        <Notices />
        <ConnectionBanner client={client} />
        {addHostOpen ? <AddHostDialog /> : null}
        {provision ? <ProvisionDialog request={provision} /> : null}
        {secretsOpen ? <RememberedSecrets onClose={() => setSecretsOpen(false)} /> : null}
        <SecretPrompt />
      </div>
    </ClientContext.Provider>
  );
}
