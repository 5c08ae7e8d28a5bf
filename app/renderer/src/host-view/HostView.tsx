// One host: its facts, storage pools and networks, and the grid of its VMs.
import { useEffect, useState } from 'react';
import type { HostFacts } from '../../../shared/domain/host.js';
import { hostKeyChange } from '../../../shared/domain/host-key-change.js';
import { useClient } from '../client-context.js';
import { ColumnHeaders } from '../common/ColumnHeaders.js';
import { ConfirmButton } from '../common/ConfirmButton.js';
import { ErrorBox } from '../common/ErrorBox.js';
import { errorMessage } from '../common/errors.js';
import { formatBytes, formatMiB } from '../common/format.js';
import { StateBadge } from '../common/StateBadge.js';
import { TagEditor } from '../common/TagEditor.js';
import { MoveHostDialog } from '../fleet-tree/MoveHostDialog.js';
import { EvacuateDialog } from '../migration/EvacuateDialog.js';
import { groupPath } from '../fleet-tree/tree-rows.js';
import { useFleetStore } from '../store/fleet-store.js';
import { useViewStore } from '../store/view-store.js';
import { PerfCharts } from '../vm-view/PerfCharts.js';
import { AcceptHostKeyDialog } from './AcceptHostKeyDialog.js';
import { VmGrid } from './VmGrid.js';

const EMPTY: never[] = [];

export function HostView({ host: name }: { host: string }) {
  const client = useClient();
  const host = useFleetStore((s) => s.hosts[name]);
  const keys = useFleetStore((s) => s.vmKeysByHost[name] ?? EMPTY);
  const groups = useFleetStore((s) => s.groups);
  const notify = useFleetStore((s) => s.notify);
  const show = useViewStore((s) => s.show);
  const [facts, setFacts] = useState<HostFacts | null>(null);
  const [factsError, setFactsError] = useState<string | null>(null);
  const [moving, setMoving] = useState(false);
  const [evacuating, setEvacuating] = useState(false);
  const [acceptingKey, setAcceptingKey] = useState(false);

  const connected = host?.status === 'connected';
  useEffect(() => {
    if (!connected) return;
    let live = true;
    client
      .hostFacts(name)
      .then((f) => live && setFacts(f))
      .catch((err: unknown) => live && setFactsError(errorMessage(err)));
    return () => {
      live = false;
    };
  }, [client, name, connected]);

  if (!host) {
    return (
      <section className="screen" aria-label="Host">
        <p role="status">The host {name} is not in the inventory.</p>
      </section>
    );
  }
  const shown = facts ?? host.facts;
  const keyChange = hostKeyChange(host.error);

  return (
    <section className="screen" aria-labelledby="host-title">
      <header className="screen-header">
        <h1 id="host-title">{host.name}</h1>
        <StateBadge state={host.status} />
        <span className="muted">
          {host.username}@{host.address}:{host.port} · {host.hypervisor.toUpperCase()}
          {host.groupId !== null ? ` · ${groupPath(groups, host.groupId)}` : ''}
        </span>
        <div className="actions">
          {keyChange ? (
            <button type="button" onClick={() => setAcceptingKey(true)}>
              Accept new key…
            </button>
          ) : null}
          <button
            type="button"
            onClick={() =>
              void client
                .refreshHost(name)
                .catch((err: unknown) => notify('error', errorMessage(err)))
            }
          >
            Refresh
          </button>
          <button
            type="button"
            onClick={() => useViewStore.getState().openProvision({ appliance: null, host: name })}
          >
            Provision…
          </button>
          <button type="button" onClick={() => setMoving(true)}>
            Move to pool…
          </button>
          <button type="button" onClick={() => setEvacuating(true)}>
            Evacuate…
          </button>
          <ConfirmButton
            question={`Remove ${name} from the inventory?`}
            confirm={`Really remove ${name}`}
            cancel="Keep it"
            onConfirm={() =>
              void client
                .removeHost(name)
                .then(() => show({ kind: 'dashboard' }))
                .catch((err: unknown) => notify('error', errorMessage(err)))
            }
          >
            Remove host…
          </ConfirmButton>
        </div>
      </header>
      <ErrorBox>
        {host.error
          ? `${host.name} is ${keyChange ? 'refused' : 'unreachable'}: ${host.error}`
          : null}
      </ErrorBox>

      <section className="panel" aria-labelledby="host-perf-title">
        <h2 id="host-perf-title">Performance (sum of running VMs)</h2>
        <PerfCharts host={name} refreshKey={host.polledAt} />
      </section>

      <div className="host-columns">
        <section className="panel" aria-labelledby="facts-title">
          <h2 id="facts-title">Facts</h2>
          {shown ? (
            <dl className="facts">
              <dt>Host name</dt>
              <dd>{shown.hostname}</dd>
              <dt>Hypervisor</dt>
              <dd>
                {shown.hypervisor.toUpperCase()} {shown.hypervisorVersion}
              </dd>
              <dt>CPUs</dt>
              <dd>
                {shown.cpuCount} × {shown.cpuModel}
              </dd>
              <dt>Memory</dt>
              <dd>
                {formatMiB(shown.memoryTotalMiB)} ({formatMiB(shown.memoryFreeMiB)} free)
              </dd>
              <dt>Capabilities</dt>
              <dd>{shown.capabilities.join(', ') || '–'}</dd>
            </dl>
          ) : (
            <p>{factsError ?? (connected ? 'Loading…' : 'Not connected.')}</p>
          )}
          <TagEditor tags={host.tags} onSave={(tags) => client.setHostTags(name, tags)} />
        </section>

        <section className="panel" aria-labelledby="storage-title">
          <h2 id="storage-title">Storage pools</h2>
          <table className="table">
            <ColumnHeaders columns={['Name', 'Type', 'Path', 'Free', 'State']} />
            <tbody>
              {shown?.storagePools.length === 0 ? (
                <tr>
                  <td colSpan={5} className="muted">
                    No storage pools defined.
                  </td>
                </tr>
              ) : null}
              {(shown?.storagePools ?? []).map((p) => (
                <tr key={p.name}>
                  <td className="wrap-anywhere">{p.name}</td>
                  <td>{p.type}</td>
                  <td className="wrap-anywhere">{p.path ?? '–'}</td>
                  <td>
                    {p.availableBytes !== null && p.capacityBytes !== null
                      ? `${formatBytes(p.availableBytes)} of ${formatBytes(p.capacityBytes)}`
                      : '–'}
                  </td>
                  <td>{p.active ? 'active' : 'inactive'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>

        <section className="panel" aria-labelledby="networks-title">
          <h2 id="networks-title">Networks</h2>
          <table className="table">
            <ColumnHeaders columns={['Name', 'Bridge', 'State']} />
            <tbody>
              {shown?.networks.length === 0 ? (
                <tr>
                  <td colSpan={3} className="muted">
                    No networks defined.
                  </td>
                </tr>
              ) : null}
              {(shown?.networks ?? []).map((n) => (
                <tr key={n.name}>
                  <td>{n.name}</td>
                  <td>{n.bridge ?? '–'}</td>
                  <td>{n.active ? 'active' : 'inactive'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      </div>

      <section className="panel grow" aria-labelledby="vms-title">
        <h2 id="vms-title">Virtual machines</h2>
        <VmGrid label={`VMs on ${host.name}`} keys={keys} />
      </section>
      {moving ? <MoveHostDialog host={name} onClose={() => setMoving(false)} /> : null}
      {evacuating ? <EvacuateDialog host={name} onClose={() => setEvacuating(false)} /> : null}
      {acceptingKey && keyChange ? (
        <AcceptHostKeyDialog
          host={name}
          change={keyChange}
          onClose={() => setAcceptingKey(false)}
        />
      ) : null}
    </section>
  );
}
