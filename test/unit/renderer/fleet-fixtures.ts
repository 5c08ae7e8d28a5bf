// Small fleets for the renderer's unit tests: plain data as getFleet and hostPolled deliver it.
import type {
  FleetSnapshot,
  FleetVm,
  HostView,
} from '../../../app/shared/contract/convirt-contract.js';
import type { Group } from '../../../app/shared/domain/inventory.js';
import type { VmState } from '../../../app/shared/domain/vm.js';
import { vmKey, type VmKey, type VmsByHost } from '../../../app/renderer/src/store/vm-key.js';

export function group(id: number, name: string, parentId: number | null = null): Group {
  return { id, name, parentId, createdAt: '2026-01-01T00:00:00Z' };
}

export function host(
  name: string,
  options: { groupId?: number | null; status?: HostView['status']; tags?: string[] } = {},
): HostView {
  return {
    id: name.length,
    name,
    address: `${name}.example.test`,
    port: 22,
    username: 'root',
    hypervisor: 'kvm',
    libvirtUri: null,
    groupId: options.groupId ?? null,
    useSudo: false,
    identityFile: null,
    authMethod: 'agent',
    hostKeyFingerprint: null,
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
    status: options.status ?? 'connected',
    error: null,
    facts: null,
    tags: options.tags ?? [],
    polledAt: null,
  };
}

export function vm(
  hostName: string,
  name: string,
  state: VmState = 'running',
  extra: Partial<FleetVm> = {},
): FleetVm {
  return {
    host: hostName,
    name,
    uuid: null,
    state,
    vcpus: 1,
    memoryMiB: 128,
    maxMemoryMiB: 128,
    cpuTimeNs: null,
    cpuPercent: null,
    diskReadBytes: null,
    diskWriteBytes: null,
    netRxBytes: null,
    netTxBytes: null,
    tags: [],
    ...extra,
  };
}

/** `hosts` hosts of `perHost` VMs each, every third VM shut off. */
export function bigFleet(hosts: number, perHost: number): FleetSnapshot {
  const snapshot: FleetSnapshot = { groups: [group(1, 'Rack 1')], hosts: [], vms: [], seq: 0 };
  for (let h = 1; h <= hosts; h++) {
    const name = `node${h}`;
    snapshot.hosts.push(host(name, { groupId: h % 2 ? 1 : null }));
    for (let v = 1; v <= perHost; v++) {
      snapshot.vms.push(vm(name, `vm${v}`, v % 3 === 0 ? 'shutoff' : 'running'));
    }
  }
  return snapshot;
}

/** VMs as the fleet store holds them: by host, then by key. */
export function byHost(...vms: FleetVm[]): VmsByHost {
  const held: Record<string, Record<VmKey, FleetVm>> = {};
  for (const v of vms) (held[v.host] ??= {})[vmKey(v.host, v.name)] = v;
  return held;
}
