// Everything checked before a VM moves, each with a clear refusal. Nothing here changes either
// host, except a marker file written and removed again to learn whether storage is shared.
import { randomBytes } from 'node:crypto';
import type { HostFacts } from '../../shared/domain/host.js';
import type { Host } from '../../shared/domain/inventory.js';
import type {
  MigrationCheck,
  MigrationMode,
  MigrationPlan,
  MigrationRequest,
} from '../../shared/domain/migration.js';
import type {
  MigratingDisk,
  MigratingVm,
  MigrationEndpoint,
} from '../hypervisors/migration-endpoint.js';
import type { RemoteShell } from '../ssh/ssh-connection.js';

/** One side of a migration: its inventory record, connection and hypervisor endpoint. */
export interface MigrationSide {
  host: Host;
  shell: RemoteShell;
  endpoint: MigrationEndpoint;
  /** Missing when the host's hypervisor cannot migrate (the reason). */
  unsupported?: string;
  facts(): Promise<HostFacts>;
}

/** A plan with what the migration itself needs from the checks. */
export interface CheckedMigration {
  plan: MigrationPlan;
  vm: MigratingVm | null;
  targetAddress: string;
}

const folderOf = (path: string) => path.slice(0, path.lastIndexOf('/')) || '/';
const mib = (bytes: number) => `${Math.ceil(bytes / 1024 ** 2)} MiB`;
const LOOPBACK = /^(127\.|::1$|localhost$)/i;

/**
 * Whether the source sees each disk's folder as the target does: a marker written on the target
 * (cheap to reach) and looked for on the source. A folder the target lacks is not shared.
 */
async function disksShared(
  source: MigrationEndpoint,
  target: MigrationEndpoint,
  disks: readonly MigratingDisk[],
): Promise<boolean> {
  if (disks.length === 0) return true;
  const markers = [...new Set(disks.map((d) => folderOf(d.path)))].map(
    (dir) => `${dir}/.convirt-shared-${randomBytes(6).toString('hex')}`,
  );
  const written = await Promise.allSettled(markers.map((m) => target.touch(m)));
  const made = markers.filter((_, i) => written[i]!.status === 'fulfilled');
  try {
    if (made.length < markers.length) return false;
    return (await source.existingFiles(markers)).length === markers.length;
  } finally {
    await target.removeFiles(made);
  }
}

/** Bytes a copy of the disk takes on the target (an overlay arrives whole from a live copy). */
function bytesNeeded(vm: MigratingVm, mode: MigrationMode): number {
  return vm.disks.reduce((sum, d) => {
    const whole = d.format === 'raw' || (mode === 'live' && d.backingFile !== null);
    return sum + (whole ? d.virtualBytes : d.allocatedBytes);
  }, 0);
}

/** The source opens a TCP connection to the target's address (its SSH port). */
async function reaches(source: RemoteShell, address: string, port: number): Promise<boolean> {
  const probe = await source.exec([
    'timeout',
    '5',
    'bash',
    '-c',
    'exec 3<>"/dev/tcp/$1/$2"',
    'bash',
    address,
    String(port),
  ]);
  return probe.code === 0;
}

/** Checks a migration of `vmName` from `source` to `target`; every check is run and reported. */
export async function checkMigration(
  source: MigrationSide,
  target: MigrationSide,
  vmName: string,
  request: MigrationRequest,
): Promise<CheckedMigration> {
  const checks: MigrationCheck[] = [];
  const check = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  const targetAddress = request.targetAddress ?? target.host.address;
  const plan = (mode: MigrationMode, storage: 'shared' | 'copy'): MigrationPlan => ({
    source: source.host.name,
    target: target.host.name,
    vm: vmName,
    mode,
    storage,
    checks,
    ok: checks.every((c) => c.ok),
    connection:
      mode === 'live' && source.endpoint.live.direct === false
        ? `The whole migration stream (the VM's memory and configuration) is carried through ConVirt's own SSH sessions to both hosts: the hosts need not reach each other, and no key or trust is set up between them; the disks stay where they are.`
        : `libvirt's control connection is carried through ConVirt's own SSH sessions to both hosts (no key or trust is set up between them); ` +
          `the VM's ${mode === 'live' ? `memory${storage === 'copy' ? ' and disks go' : ' goes'} directly from ${source.host.name} to ${targetAddress} over TCP (QEMU's migration port${storage === 'copy' ? ' and an NBD port' : ''})` : `disks ${storage === 'copy' ? 'are copied through ConVirt' : 'stay where they are'}`}.`,
  });

  const sameHypervisor = source.host.hypervisor === target.host.hypervisor;
  const unsupported = source.unsupported ?? target.unsupported;
  check(
    'hypervisor',
    sameHypervisor && unsupported === undefined,
    !sameHypervisor
      ? `${source.host.name} runs ${source.host.hypervisor}, ${target.host.name} runs ${target.host.hypervisor}: a VM moves only between hosts of the same hypervisor.`
      : (unsupported ?? `Both hosts run ${source.host.hypervisor}.`),
  );
  if (!sameHypervisor || unsupported !== undefined)
    return { plan: plan('live', 'copy'), vm: null, targetAddress };

  // Both hosts answer at once, and each host's commands of a step go out as one batch (see
  // batched-shell.ts): what a check may need is asked for before it is known whether it will,
  // all of it read-only.
  const src = source.endpoint;
  const dst = target.endpoint;
  const mayGoLive = request.mode !== 'offline';
  const loopback = LOOPBACK.test(targetAddress);
  const [vm, sourceUuid, targetUuid, taken, targetNets, facts, helper] = await Promise.all([
    src.vm(vmName),
    src.hostUuid(),
    dst.hostUuid(),
    dst.exists(vmName),
    dst.networksAndBridges(),
    target.facts(),
    mayGoLive ? dst.controlRelayPath() : Promise.resolve(null),
  ]);
  const mode: MigrationMode = request.mode ?? (vm.state === 'shutoff' ? 'offline' : 'live');
  // Block devices (logical volumes) are refused below; nothing is asked about their paths (a
  // marker or an image written into /dev/VG would land in the target's RAM).
  const blockDisks = vm.disks.filter((d) => d.block);
  const fileDisks = vm.disks.filter((d) => !d.block);
  const diskPaths = fileDisks.map((d) => d.path);
  const folder = fileDisks[0] ? folderOf(fileDisks[0].path) : '/';
  const backing = fileDisks.flatMap((d) => (d.backingFile ? [d.backingFile] : []));
  // The reach probe waits up to 5 s for a target it cannot reach: only a live migration asks.
  const [shared, cpu, present, free, backingFound, reachable] = await Promise.all([
    disksShared(src, dst, fileDisks),
    mode === 'live' && vm.cpuXml !== null ? dst.compareCpu(vm.cpuXml, vm.virtType) : null,
    dst.existingFiles(diskPaths),
    dst.freeBytes(folder),
    dst.existingFiles(backing),
    mode === 'live' && src.live.direct && !loopback
      ? reaches(source.shell, targetAddress, target.host.port)
      : false,
  ]);

  check(
    'hosts',
    sourceUuid !== targetUuid,
    sourceUuid !== targetUuid
      ? `Two different hosts (host UUIDs ${sourceUuid} and ${targetUuid}).`
      : `${source.host.name} and ${target.host.name} are the same host to its hypervisor (host UUID ${sourceUuid}).`,
  );
  check(
    'name',
    !taken,
    taken
      ? `${target.host.name} already has a VM named ${vmName}.`
      : `No VM named ${vmName} on ${target.host.name}.`,
  );
  const stateOk =
    mode === 'live' ? vm.state === 'running' || vm.state === 'paused' : vm.state === 'shutoff';
  check(
    'state',
    stateOk,
    stateOk
      ? `${vmName} is ${vm.state}: ${mode} migration.`
      : mode === 'live'
        ? `${vmName} is ${vm.state}: only a running VM migrates live (migrate it offline).`
        : `${vmName} is ${vm.state}: shut it down to migrate it offline, or migrate it live.`,
  );

  if (blockDisks.length)
    check(
      'block devices',
      false,
      blockDisks.map((d) => `disk ${d.target} is on a block device (${d.path})`).join('; ') +
        ': ConVirt moves file disks only.',
    );

  const refusedLive = src.live.refused;
  if (mode === 'live' && refusedLive !== undefined) check('live', false, refusedLive);

  const { networks, bridges } = targetNets;
  const missing = [
    ...vm.networks.filter((n) => !networks.includes(n)).map((n) => `network ${n}`),
    ...vm.bridges.filter((b) => !bridges.includes(b)).map((b) => `bridge ${b}`),
  ];
  check(
    'networks',
    missing.length === 0,
    missing.length
      ? `${target.host.name} lacks the VM's ${missing.join(', ')}.`
      : vm.networks.length + vm.bridges.length
        ? `${target.host.name} has ${[...vm.networks.map((n) => `network ${n}`), ...vm.bridges.map((b) => `bridge ${b}`)].join(', ')}.`
        : 'The VM joins no libvirt network or bridge.',
  );

  const memoryOk = facts.memoryFreeMiB >= vm.memoryMiB;
  check(
    'memory',
    memoryOk,
    `${vmName} needs ${vm.memoryMiB} MiB; ${target.host.name} has ${facts.memoryFreeMiB} MiB free.`,
  );

  if (mode === 'live') {
    if (cpu === null)
      check('cpu', true, 'The VM names no CPU model: it runs with what the target gives.');
    else {
      check(
        'cpu',
        cpu.compatible,
        cpu.compatible
          ? `libvirt on ${target.host.name}: ${cpu.verdict}`
          : `libvirt on ${target.host.name} finds the VM's CPU incompatible: ${cpu.verdict}`,
      );
    }
  }

  const storage: 'shared' | 'copy' = (request.copyStorage ?? !shared) ? 'copy' : 'shared';
  if (shared && storage === 'copy') {
    check(
      'storage',
      false,
      `Both hosts see the VM's disks at the same path (shared storage): copying them would write each onto itself.`,
    );
  } else if (storage === 'copy' && mode === 'live' && !src.live.copiesStorage) {
    check(
      'storage',
      false,
      `${target.host.name} does not see the VM's disks, and ${source.host.hypervisor} cannot copy disks while the VM runs: put them on storage both hosts see at the same path, or migrate it offline (its disks are copied).`,
    );
  } else if (!shared && storage === 'shared') {
    check(
      'storage',
      false,
      `${target.host.name} does not see the VM's disks (no shared storage): copy them (--copy-storage).`,
    );
  } else {
    check(
      'storage',
      true,
      storage === 'shared'
        ? 'Both hosts see the disks at the same path: they stay where they are.'
        : `The disks are copied to ${target.host.name} (${diskPaths.join(', ') || 'none'}).`,
    );
  }

  if (storage === 'copy') {
    check(
      'disk files',
      present.length === 0,
      present.length
        ? `${target.host.name} already has ${present.join(', ')}.`
        : `None of the disk files exists on ${target.host.name}.`,
    );
    const needed = bytesNeeded(vm, mode);
    check(
      'disk space',
      free >= needed,
      `The disks need ${mib(needed)}; ${target.host.name} has ${mib(free)} free in ${folder}.`,
    );
    if (mode === 'offline') {
      const lacking = backing.filter((b) => !backingFound.includes(b));
      check(
        'backing files',
        lacking.length === 0,
        lacking.length
          ? `The disks are overlays of ${lacking.join(', ')}, which ${target.host.name} lacks (a live copy flattens them).`
          : backing.length
            ? `${target.host.name} has the disks' backing files.`
            : 'No disk is an overlay.',
      );
    }
  }

  if (mode === 'live' && src.live.direct) {
    check(
      'reach',
      reachable,
      loopback
        ? `ConVirt reaches ${target.host.name} at ${targetAddress}, which is ${source.host.name} itself from there: give the target's address as the source sees it.`
        : reachable
          ? `${source.host.name} reaches ${target.host.name} at ${targetAddress}.`
          : `${source.host.name} cannot open a connection to ${targetAddress}:${target.host.port}: the VM's memory goes directly between the hosts.`,
    );
  }
  if (mode === 'live') {
    check(
      'control connection',
      helper !== null,
      helper !== null
        ? `${target.host.name} has ${helper} for the control connection.`
        : `${target.host.name} lacks ${dst.live.relayProgram}, which carries the control connection.`,
    );
  }
  return { plan: plan(mode, storage), vm, targetAddress };
}
