// A FAKE, in-memory ConvirtClient for developing and measuring the UI with a big fleet (100 hosts
// x 50 VMs) where no real hosts exist. Never used by the e2e tests, which go through the real
// server, sshd, libvirtd and tiny VMs. Runs in the page (bundled by fake-fleet-ui.ts).
import type { PerfHistory, PerfPoint } from '../../app/shared/domain/perf-history.js';
import type {
  ConvirtClient,
  FleetSnapshot,
  FleetVm,
  HostView,
  VmDetails,
} from '../../app/shared/contract/convirt-contract.js';
import { ContractError } from '../../app/shared/contract/define.js';
import type { SocketClient } from '../../app/shared/contract/socket-client.js';
import type { ConvirtContract } from '../../app/shared/contract/convirt-contract.js';
import type { Task, TaskLogEntry } from '../../app/shared/domain/inventory.js';

type Listener = (payload: never) => void;
const FAKE_FINGERPRINT = 'SHA256:FAKEfakeFAKEfakeFAKEfakeFAKEfakeFAKEfake123';

/**
 * `changedShare` of 1 (the default, a pessimistic bound) makes every poll send all the host's VMs
 * with every running one changed; below 1, only that share of its running VMs changes, and the
 * poll sends only those, as main sends what changed.
 */
export function createFakeClient(
  hostCount: number,
  vmsPerHost: number,
  changedShare = 1,
  pollSeconds?: number,
): SocketClient<ConvirtContract> {
  const listeners = new Map<string, Set<Listener>>();
  const emit = (event: string, payload: unknown) =>
    listeners.get(event)?.forEach((l) => (l as (p: unknown) => void)(payload));
  const now = () => new Date().toISOString();
  const fleet: FleetSnapshot = {
    groups: [
      { id: 1, name: 'Paris', parentId: null, createdAt: now() },
      { id: 2, name: 'Rack A', parentId: 1, createdAt: now() },
      { id: 3, name: 'Rack B', parentId: 1, createdAt: now() },
      { id: 4, name: 'Lyon', parentId: null, createdAt: now() },
    ],
    hosts: [],
    vms: [],
    seq: 0,
  };
  for (let h = 1; h <= hostCount; h++) {
    const name = `kvm${String(h).padStart(3, '0')}`;
    const down = h % 37 === 0;
    const host: HostView = {
      id: h,
      name,
      address: `10.0.${Math.floor(h / 250)}.${h % 250}`,
      port: 22,
      username: 'root',
      hypervisor: h % 10 === 0 ? 'xen' : 'kvm',
      libvirtUri: null,
      groupId: [2, 3, 4, null][h % 4] ?? null,
      useSudo: false,
      identityFile: null,
      authMethod: 'agent',
      hostKeyFingerprint: FAKE_FINGERPRINT,
      createdAt: now(),
      updatedAt: now(),
      status: down ? 'unreachable' : 'connected',
      error: down ? 'connect ECONNREFUSED' : null,
      facts: {
        hostname: name,
        hypervisor: 'kvm',
        hypervisorVersion: 'QEMU 7.2.0',
        cpuCount: 32,
        cpuModel: 'AMD EPYC 7302',
        memoryTotalMiB: 256 * 1024,
        memoryFreeMiB: (256 - ((h * 37) % 200)) * 1024,
        storagePools: [
          {
            name: 'default',
            type: 'dir',
            path: '/var/lib/libvirt/images',
            active: true,
            capacityBytes: 2e12,
            availableBytes: 1.2e12,
          },
        ],
        networks: [{ name: 'default', bridge: 'virbr0', active: true }],
        capabilities: ['x86_64'],
      },
      tags: h % 5 === 0 ? ['prod'] : [],
      polledAt: Date.now(),
    };
    fleet.hosts.push(host);
    for (let v = 1; v <= vmsPerHost; v++) {
      fleet.vms.push({
        host: name,
        name: `${['web', 'db', 'cache', 'app', 'ci'][v % 5]}-${String(v).padStart(2, '0')}`,
        uuid: null,
        state: down ? 'unknown' : v % 7 === 0 ? 'shutoff' : v % 23 === 0 ? 'paused' : 'running',
        vcpus: 1 + (v % 8),
        memoryMiB: 512 * (1 + (v % 16)),
        maxMemoryMiB: 512 * (1 + (v % 16)),
        cpuTimeNs: 0,
        cpuPercent: null,
        diskReadBytes: 0,
        diskWriteBytes: 0,
        netRxBytes: 0,
        netTxBytes: 0,
        tags: v % 5 === 1 ? ['frontend'] : [],
      });
    }
  }
  // Indexed by host (rebuilt when VMs come or go): a scan of 50,000 VMs per host poll would
  // cost the page more than the UI being measured.
  let byHost = new Map<string, FleetVm[]>();
  let indexedCount = -1;
  const vmsOf = (host: string) => {
    if (indexedCount !== fleet.vms.length) {
      byHost = new Map();
      for (const vm of fleet.vms) {
        const list = byHost.get(vm.host);
        if (list) list.push(vm);
        else byHost.set(vm.host, [vm]);
      }
      indexedCount = fleet.vms.length;
    }
    return byHost.get(host) ?? [];
  };

  let tick = 0;
  /** Whether the i-th running VM changes at this tick: a share of them, different ones each tick. */
  const changes = (i: number) =>
    changedShare >= 1 || ((i * 37 + tick * 11) % 100) / 100 < changedShare;
  const poll = (host: HostView) => {
    if (host.status !== 'connected') return;
    const vms = vmsOf(host.name).flatMap((vm, i): FleetVm[] => {
      if (vm.state !== 'running') return changedShare >= 1 ? [{ ...vm, cpuPercent: null }] : [];
      if (!changes(i)) return [];
      const wave = 20 + 15 * Math.sin((tick + i) / 3) + ((i * 13) % 40);
      const grown = (n: number | null, by: number) => (n ?? 0) + by;
      return [
        Object.assign(vm, {
          cpuPercent: Math.max(0, wave),
          diskReadBytes: grown(vm.diskReadBytes, 50_000 * (i % 5)),
          diskWriteBytes: grown(vm.diskWriteBytes, 20_000),
          netRxBytes: grown(vm.netRxBytes, 100_000 + 10_000 * Math.sin(tick)),
          netTxBytes: grown(vm.netTxBytes, 30_000),
        }),
      ];
    });
    emit('hostPolled', {
      host: host.name,
      status: 'connected',
      error: null,
      polledAt: Date.now(),
      changedVms: vms.map((vm) => ({ ...vm })),
      seq: ++fleet.seq,
    });
  };
  if (pollSeconds) {
    // Host by host, each every pollSeconds, evenly spread (as the real poller's answers arrive):
    // each 10 ms tick polls the hosts due by then (browsers stretch shorter intervals).
    let next = 0;
    const started = performance.now();
    setInterval(() => {
      const due = Math.floor(
        ((performance.now() - started) / (pollSeconds * 1000)) * fleet.hosts.length,
      );
      for (; next < due; next++) {
        if (next % fleet.hosts.length === 0) tick++;
        const host = fleet.hosts[next % fleet.hosts.length];
        if (host) poll(host);
      }
    }, 10);
  } else {
    // Each second, a tenth of the hosts report (as a poller with a bound would).
    setInterval(() => {
      tick++;
      fleet.hosts.filter((_, i) => i % 10 === tick % 10).forEach(poll);
    }, 1000);
  }

  let taskSeq = 0;
  const logs = new Map<string, TaskLogEntry[]>();
  const runTask = (kind: string, target: string, effect: () => void): Task => {
    const task: Task = {
      id: `t${++taskSeq}`,
      kind,
      target,
      status: 'running',
      progress: 0,
      message: null,
      error: null,
      createdAt: now(),
      startedAt: now(),
      endedAt: null,
    };
    const log: TaskLogEntry[] = [
      { seq: 1, at: now(), stream: 'command', text: `virsh ${kind.split('.')[1]} ${target}` },
    ];
    logs.set(task.id, log);
    setTimeout(() => {
      effect();
      const failed = target.endsWith('-13');
      const done: Task = {
        ...task,
        status: failed ? 'failed' : 'succeeded',
        progress: 1,
        error: failed ? 'error: Requested operation is not valid: domain is not running' : null,
        endedAt: now(),
      };
      log.push({
        seq: 2,
        at: now(),
        stream: failed ? 'stderr' : 'stdout',
        text: done.error ?? 'ok',
      });
      emit('taskLog', { taskId: task.id, entries: log });
      emit('taskUpdated', done);
      const host = fleet.hosts.find((h) => target.startsWith(`${h.name}/`));
      if (host) poll(host);
    }, 700);
    return task;
  };
  const setState = (host: string, vm: string, action: string) => {
    const row = fleet.vms.find((v) => v.host === host && v.name === vm);
    if (!row) return;
    if (action === 'start' || action === 'resume') row.state = 'running';
    if (action === 'shutdown' || action === 'destroy') row.state = 'shutoff';
    if (action === 'suspend') row.state = 'paused';
  };

  const implemented: Partial<ConvirtClient> = {
    appInfo: () =>
      Promise.resolve({ name: 'ConVirt', version: 'fake', mode: 'browser', localTerminal: false }),
    getFleet: () => Promise.resolve(structuredClone(fleet)),
    hostFacts: (host) => Promise.resolve(fleet.hosts.find((h) => h.name === host)!.facts!),
    // A day of made-up history at 10 s, as main would hold it for a VM polled all day.
    vmHistory: () => Promise.resolve(fakeHistory(1)),
    hostHistory: () => Promise.resolve(fakeHistory(40)),
    listTasks: () => Promise.resolve([]),
    taskLog: (id) => Promise.resolve(logs.get(id) ?? []),
    addHost: (input) => {
      if (!input.acceptFingerprint) {
        return Promise.reject(
          new ContractError({
            code: 'host-key-unknown',
            message: 'unknown key',
            fingerprint: FAKE_FINGERPRINT,
          }),
        );
      }
      return Promise.resolve(fleet.hosts[0]!);
    },
    vmAction: (ref, action) =>
      Promise.resolve(
        runTask(`vm.${action}`, `${ref.host}/${ref.vm}`, () => setState(ref.host, ref.vm, action)),
      ),
    bulkVmAction: (refs, action) =>
      Promise.resolve(
        refs.map((ref) =>
          runTask(`vm.${action}`, `${ref.host}/${ref.vm}`, () =>
            setState(ref.host, ref.vm, action),
          ),
        ),
      ),
    vmDetails: (ref) => {
      const vm = fleet.vms.find((v) => v.host === ref.host && v.name === ref.vm)!;
      const details: VmDetails = {
        ...vm,
        guest: {
          osName: 'Debian GNU/Linux 12 (bookworm)',
          kernelRelease: '6.1.0-28-amd64',
          hostname: vm.name,
          interfaces: [{ name: 'eth0', mac: '52:54:00:12:34:56', addresses: ['192.0.2.17/24'] }],
        },
        autostart: true,
        isoPath: null,
        hasGuestAgentChannel: true,
        hasGraphics: true,
        snapshots: [{ name: 'before-upgrade', createdAt: '2026-11-20 10:12:00', state: 'running' }],
        hypervisor: 'kvm',
        notSupported: {},
        configFile: null,
        savedState: vm.state === 'shutoff' ? `/var/lib/convirt/snapshots/${vm.name}.save` : null,
      };
      return Promise.resolve(details);
    },
  };

  const client = new Proxy(implemented, {
    get(target, key: string) {
      if (key === 'on') {
        return (event: string, listener: Listener) => {
          const set = listeners.get(event) ?? new Set();
          set.add(listener);
          listeners.set(event, set);
          return () => set.delete(listener);
        };
      }
      if (key === 'onConnectionChange') return () => () => undefined;
      if (key === 'disconnect') return () => undefined;
      if (key === 'then') return undefined;
      return (target as Record<string, unknown>)[key] ?? (() => Promise.resolve(undefined));
    },
  });
  return client as unknown as SocketClient<ConvirtContract>;
}

/** 24 h of points 10 s apart: a daily wave with noise, `scale` VMs' worth. */
function fakeHistory(scale: number): PerfHistory {
  const now = Date.now();
  const points: PerfPoint[] = [];
  for (let at = now - 24 * 3600_000; at <= now; at += 10_000) {
    const day = Math.sin(((at / 3600_000) % 24) * (Math.PI / 12));
    const noise = Math.sin(at / 97_000) * Math.sin(at / 13_000);
    points.push({
      at,
      cpuPercent: scale * Math.max(0, 30 + 20 * day + 8 * noise),
      memoryMiB: scale * (900 + 100 * day),
      diskBytesPerSec: scale * Math.max(0, 2e5 + 1.5e5 * noise),
      netBytesPerSec: scale * Math.max(0, 1e6 + 8e5 * day * noise),
    });
  }
  return { points, pollResolutionSince: points[0]!.at, downsampledStepMs: 600_000 };
}
