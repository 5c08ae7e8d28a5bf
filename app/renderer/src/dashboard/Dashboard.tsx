// The fleet at a glance: hosts up and down, VMs by state, CPU and memory per host, busiest VMs.
import { useDeferredValue, useMemo, useState } from 'react';
import { ColumnHeaders } from '../common/ColumnHeaders.js';
import { formatMiB, formatPercent } from '../common/format.js';
import { Meter } from '../common/Meter.js';
import { StateBadge } from '../common/StateBadge.js';
import { useFleetStore } from '../store/fleet-store.js';
import { useViewStore } from '../store/view-store.js';
import { VM_STATES } from '../../../shared/domain/vm.js';
import { fleetStats } from './fleet-stats.js';

/** Hosts listed before "Show all": the busiest, which are the ones to look at. */
const HOSTS_SHOWN = 20;

export function Dashboard() {
  const hosts = useFleetStore((s) => s.hosts);
  const hostNames = useFleetStore((s) => s.hostNames);
  const vmsByHost = useFleetStore((s) => s.vmsByHost);
  const loaded = useFleetStore((s) => s.loaded);
  const show = useViewStore((s) => s.show);
  const setAddHostOpen = useViewStore((s) => s.setAddHostOpen);
  // Counted after the tree is drawn (a pass over every VM, 50,000 on a big fleet): the window is
  // usable first, the figures follow in the next frame.
  const fleet = useMemo(() => ({ hosts, hostNames, vmsByHost }), [hosts, hostNames, vmsByHost]);
  const counted = useDeferredValue(fleet);
  const stats = useMemo(
    () => fleetStats(counted.hosts, counted.hostNames, counted.vmsByHost),
    [counted],
  );
  const [showAllHosts, setShowAllHosts] = useState(false);
  // Unknown load sorts last; unreachable hosts have none.
  const busiestHosts = useMemo(
    () => [...stats.hostLoads].sort((a, b) => (b.cpu ?? -1) - (a.cpu ?? -1)),
    [stats.hostLoads],
  );

  if (loaded && hostNames.length === 0) {
    return (
      <section className="screen" aria-labelledby="dashboard-title">
        <h1 id="dashboard-title">Dashboard</h1>
        <div className="empty">
          <p role="status">No hosts yet. Add a KVM or Xen host you reach over SSH.</p>
          <button type="button" className="primary" onClick={() => setAddHostOpen(true)}>
            Add host…
          </button>
        </div>
      </section>
    );
  }

  return (
    <section className="screen" aria-labelledby="dashboard-title">
      <h1 id="dashboard-title">Dashboard</h1>
      <div className="tiles">
        <Tile label="Hosts up" value={stats.hostsUp} tone="good" />
        <Tile label="Hosts down" value={stats.hostsDown} tone={stats.hostsDown ? 'bad' : ''} />
        <Tile label="VMs" value={stats.vmCount} tone="" />
        <Tile label="VMs running" value={stats.vmsByState.running} tone="good" />
      </div>

      <div className="dashboard-columns">
        <section aria-labelledby="vm-states-title" className="panel">
          <h2 id="vm-states-title">VMs by state</h2>
          <ul className="state-list">
            {VM_STATES.filter((s) => stats.vmsByState[s] > 0 || s === 'running').map((s) => (
              <li key={s}>
                <StateBadge state={s} />
                <Meter
                  fillClass={`fill-${s}`}
                  label={`VMs ${s}`}
                  value={stats.vmCount ? stats.vmsByState[s] / stats.vmCount : 0}
                  text={String(stats.vmsByState[s])}
                />
              </li>
            ))}
          </ul>
        </section>

        <section aria-labelledby="busiest-title" className="panel">
          <h2 id="busiest-title">Busiest VMs</h2>
          {stats.busiest.length === 0 ? (
            <p>No running VM has reported its CPU use yet.</p>
          ) : (
            <table className="table">
              <ColumnHeaders columns={['VM', 'Host', 'CPU', 'Memory']} />
              <tbody>
                {stats.busiest.map((vm) => (
                  <tr key={`${vm.host}/${vm.name}`}>
                    <td>
                      <button
                        type="button"
                        className="link"
                        onClick={() => show({ kind: 'vm', host: vm.host, vm: vm.name })}
                      >
                        {vm.name}
                      </button>
                    </td>
                    <td>{vm.host}</td>
                    <td>{formatPercent(vm.cpuPercent)}</td>
                    <td>{formatMiB(vm.memoryMiB)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>

      <section aria-labelledby="host-load-title" className="panel">
        <h2 id="host-load-title">CPU and memory per host, busiest first</h2>
        <table className="table host-load">
          <ColumnHeaders columns={['Host', 'Status', 'CPU', 'Memory']} />
          <tbody>
            {(showAllHosts ? busiestHosts : busiestHosts.slice(0, HOSTS_SHOWN)).map((h) => (
              <tr key={h.name}>
                <td>
                  <button
                    type="button"
                    className="link"
                    onClick={() => show({ kind: 'host', host: h.name })}
                  >
                    {h.name}
                  </button>
                </td>
                <td>
                  <StateBadge state={h.status} />
                </td>
                <td>
                  <Meter
                    label={`CPU of ${h.name}`}
                    value={h.cpu}
                    text={h.cpu === null ? '–' : formatPercent(h.cpu * 100)}
                  />
                </td>
                <td>
                  <Meter
                    label={`Memory of ${h.name}`}
                    value={
                      h.memoryUsedMiB !== null && h.memoryTotalMiB
                        ? h.memoryUsedMiB / h.memoryTotalMiB
                        : null
                    }
                    text={
                      h.memoryUsedMiB === null
                        ? '–'
                        : `${formatMiB(h.memoryUsedMiB)}${h.memoryTotalMiB ? ` of ${formatMiB(h.memoryTotalMiB)}` : ''}`
                    }
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {busiestHosts.length > HOSTS_SHOWN ? (
          <button type="button" className="link" onClick={() => setShowAllHosts(!showAllHosts)}>
            {showAllHosts
              ? `Show the ${HOSTS_SHOWN} busiest`
              : `Show all ${busiestHosts.length} hosts`}
          </button>
        ) : null}
      </section>
    </section>
  );
}

function Tile({ label, value, tone }: { label: string; value: number; tone: string }) {
  return (
    <div className={`tile ${tone}`} role="group" aria-label={`${label}: ${value}`}>
      <span className="tile-value">{value}</span>
      <span className="tile-label">{label}</span>
    </div>
  );
}
