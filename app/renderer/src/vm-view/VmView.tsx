// One VM: state and actions on top, then overview (with what the guest agent reports),
// live charts, snapshots, settings and consoles in tabs.
import type { VmAction } from '../../../shared/contract/convirt-contract.js';
import { RESTORABLE_STATES, SAVABLE_STATES, type VmState } from '../../../shared/domain/vm.js';
import { useState } from 'react';
import { useClient } from '../client-context.js';
import { ErrorBox } from '../common/ErrorBox.js';
import { formatMiB, formatPercent } from '../common/format.js';
import { StateBadge } from '../common/StateBadge.js';
import { Tabs } from '../common/Tabs.js';
import { TagEditor } from '../common/TagEditor.js';
import { Toolbar } from '../common/Toolbar.js';
import { MigrateDialog } from '../migration/MigrateDialog.js';
import { useFleetStore } from '../store/fleet-store.js';
import { vmKey, vmOf } from '../store/vm-key.js';
import { useViewStore } from '../store/view-store.js';
import { PerfCharts } from './PerfCharts.js';
import { Snapshots } from './Snapshots.js';
import { useTaskRunner } from './use-task-runner.js';
import { useVmDetails } from './use-vm-details.js';
import { VmConsoles } from './VmConsoles.js';
import { VmSettings } from './VmSettings.js';

const ACTIONS: { action: VmAction; label: string; when: VmState[]; danger?: boolean }[] = [
  { action: 'start', label: 'Start', when: ['shutoff', 'crashed', 'unknown'] },
  { action: 'shutdown', label: 'Shut down', when: ['running'] },
  { action: 'reboot', label: 'Reboot', when: ['running'] },
  { action: 'suspend', label: 'Pause', when: ['running'] },
  { action: 'resume', label: 'Resume', when: ['paused', 'pmsuspended'] },
  {
    action: 'destroy',
    label: 'Force off',
    when: ['running', 'paused', 'pmsuspended', 'crashed', 'unknown'],
    danger: true,
  },
];

export function VmView({ host, vm: name }: { host: string; vm: string }) {
  const client = useClient();
  const vm = useFleetStore((s) => vmOf(s.vmsByHost, vmKey(host, name)));
  const polledAt = useFleetStore((s) => s.hosts[host]?.polledAt ?? null);
  const show = useViewStore((s) => s.show);
  const run = useTaskRunner();
  const { details, error } = useVmDetails(host, name);
  const tab = useViewStore((s) => s.vmView.tab);
  const setVmView = useViewStore((s) => s.setVmView);
  const setTab = (id: string) => setVmView((view) => ({ ...view, tab: id }));
  const [migrating, setMigrating] = useState(false);

  if (!vm) {
    return (
      <section className="screen" aria-label="Virtual machine">
        <p role="status">
          {host}/{name} is not known (removed, or its host is not polled yet).
        </p>
      </section>
    );
  }
  const ref = { host, vm: name };
  const guest = details?.guest ?? null;

  const overview = (
    <div className="host-columns">
      <section className="panel" aria-labelledby="vm-overview-title">
        <h2 id="vm-overview-title">Overview</h2>
        <dl className="facts">
          <dt>State</dt>
          <dd>
            <StateBadge state={vm.state} />
          </dd>
          <dt>Host</dt>
          <dd>
            <button type="button" className="link" onClick={() => show({ kind: 'host', host })}>
              {host}
            </button>
          </dd>
          <dt>vCPUs</dt>
          <dd>{vm.vcpus}</dd>
          <dt>Memory</dt>
          <dd>
            {formatMiB(vm.memoryMiB)}
            {vm.maxMemoryMiB && vm.maxMemoryMiB !== vm.memoryMiB
              ? ` (max ${formatMiB(vm.maxMemoryMiB)})`
              : ''}
          </dd>
          <dt>CPU</dt>
          <dd>{formatPercent(vm.cpuPercent)}</dd>
          <dt>UUID</dt>
          <dd className="mono">{vm.uuid ?? '–'}</dd>
          <dt>Autostart</dt>
          <dd>
            {details?.autostart === null || !details ? '–' : details.autostart ? 'yes' : 'no'}
          </dd>
          <dt>ISO</dt>
          <dd className="mono">{details?.isoPath ?? 'none'}</dd>
        </dl>
        <TagEditor tags={vm.tags} onSave={(tags) => client.setVmTags(ref, tags)} />
      </section>
      <section className="panel" aria-labelledby="vm-guest-title">
        <h2 id="vm-guest-title">Guest agent</h2>
        <ErrorBox>{error}</ErrorBox>
        {!details ? (
          <p>Loading…</p>
        ) : details.notSupported.guestAgent ? (
          <p role="note">{details.notSupported.guestAgent}</p>
        ) : !guest ? (
          <p>
            {details.hasGuestAgentChannel
              ? 'The guest agent does not answer (is the VM running, with qemu-guest-agent installed?).'
              : 'This VM has no guest agent channel.'}
          </p>
        ) : (
          <dl className="facts">
            <dt>Operating system</dt>
            <dd>{guest.osName ?? '–'}</dd>
            <dt>Kernel</dt>
            <dd>{guest.kernelRelease ?? '–'}</dd>
            <dt>Host name</dt>
            <dd>{guest.hostname ?? '–'}</dd>
            <dt>Addresses</dt>
            <dd>
              <ul className="plain">
                {guest.interfaces.flatMap((i) =>
                  i.addresses.map((a) => (
                    <li key={`${i.name}-${a}`} className="mono">
                      {a} <span className="muted">({i.name})</span>
                    </li>
                  )),
                )}
              </ul>
            </dd>
          </dl>
        )}
      </section>
    </div>
  );

  return (
    <section className="screen" aria-labelledby="vm-title">
      <header className="screen-header">
        <h1 id="vm-title">{name}</h1>
        <StateBadge state={vm.state} />
        <span className="muted">on {host}</span>
        <Toolbar className="actions" label="VM actions">
          {ACTIONS.map((a) => (
            <button
              key={a.action}
              type="button"
              className={a.danger ? 'danger' : undefined}
              disabled={!a.when.includes(vm.state)}
              onClick={() =>
                void run(`${a.label} ${host}/${name}`, () => client.vmAction(ref, a.action))
              }
            >
              {a.label}
            </button>
          ))}
          <button
            type="button"
            disabled={!SAVABLE_STATES.includes(vm.state)}
            title="Saves the VM's memory to a file in the host's snapshots_dir; the VM stops"
            onClick={() => void run(`Save ${host}/${name}`, () => client.saveVmState(ref))}
          >
            Save to file
          </button>
          <button
            type="button"
            disabled={!RESTORABLE_STATES.includes(vm.state) || !details?.savedState}
            title={details?.savedState ? `Restores from ${details.savedState}` : 'No saved state'}
            onClick={() => void run(`Restore ${host}/${name}`, () => client.restoreVmState(ref))}
          >
            Restore from file
          </button>
          <button type="button" onClick={() => setMigrating(true)}>
            Migrate…
          </button>
        </Toolbar>
      </header>
      <Tabs
        label="VM sections"
        active={tab}
        onSelect={setTab}
        keepMounted
        tabs={[
          { id: 'overview', title: 'Overview', content: overview },
          {
            id: 'performance',
            title: 'Performance',
            // Mounted with every tab (the consoles must stay connected), fetching only when
            // shown: a hidden one fetched and drew at every poll of the host.
            content: (
              <PerfCharts
                host={host}
                vm={name}
                refreshKey={polledAt}
                paused={tab !== 'performance'}
              />
            ),
          },
          {
            id: 'snapshots',
            title: 'Snapshots',
            content: details ? <Snapshots details={details} /> : <p>Loading…</p>,
          },
          {
            id: 'settings',
            title: 'Settings',
            content: details ? (
              <VmSettings key={`${details.vcpus}-${details.memoryMiB}`} details={details} />
            ) : (
              <p>Loading…</p>
            ),
          },
          {
            id: 'consoles',
            title: 'Consoles',
            content: (
              <VmConsoles
                host={host}
                vm={name}
                hasGraphics={details?.hasGraphics ?? false}
                graphicsNotSupported={details?.notSupported.graphicalConsole}
              />
            ),
          },
        ]}
      />
      {migrating ? (
        <MigrateDialog host={host} vm={name} onClose={() => setMigrating(false)} />
      ) : null}
    </section>
  );
}
