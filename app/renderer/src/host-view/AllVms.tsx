// Every VM of the fleet in one grid (with a Host column): find, sort and act on VMs across hosts.
import { useMemo } from 'react';
import { useFleetStore } from '../store/fleet-store.js';
import type { VmKey } from '../store/vm-key.js';
import { VmGrid } from './VmGrid.js';

export function AllVms() {
  const hostNames = useFleetStore((s) => s.hostNames);
  const vmKeysByHost = useFleetStore((s) => s.vmKeysByHost);
  const keys = useMemo(
    () => hostNames.flatMap((h): VmKey[] => vmKeysByHost[h] ?? []),
    [hostNames, vmKeysByHost],
  );
  return (
    <section className="screen" aria-labelledby="all-vms-title">
      <h1 id="all-vms-title">All VMs</h1>
      <section className="panel grow" aria-label="Every VM">
        <VmGrid label="All VMs" keys={keys} showHost />
      </section>
    </section>
  );
}
