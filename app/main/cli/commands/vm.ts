// vm list|info|start|...|set|autostart|iso|clone|migrate|delete|save|restore|add-agent-channel|
// password and snapshots: each operation is a task, waited for; the exit status follows its outcome.
import { VM_ACTIONS } from '../../../shared/contract/convirt-contract.js';
import type { MigrationMode, MigrationRequest } from '../../../shared/domain/migration.js';
import { validateVmName } from '../../../shared/validation/names.js';
import type { Command } from '../command-table.js';
import { askSecret, confirmed, printRows, readAll, splitVmRef, UsageError } from '../io.js';

const ACTION_SUMMARIES: Record<(typeof VM_ACTIONS)[number], string> = {
  start: 'Starts a VM.',
  shutdown: 'Asks a VM to shut down (through its guest agent when it has one).',
  reboot: 'Reboots a VM (through its guest agent when it has one).',
  destroy: 'Forces a VM off.',
  suspend: 'Pauses a VM.',
  resume: 'Resumes a paused VM.',
};

function count(value: string | undefined, what: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`${what} must be a whole number.`);
  return Number(value);
}

const snapshotCommands: Command[] = (['create', 'revert', 'delete'] as const).map((op) => ({
  name: `vm snapshot ${op}`,
  usage: `HOST/VM NAME${op === 'create' ? ' [--quiesce]' : ''}`,
  summary: {
    create: 'Takes a snapshot (--quiesce: filesystems frozen through the guest agent).',
    revert: 'Reverts a VM to a snapshot.',
    delete: 'Deletes a snapshot.',
  }[op],
  run: async ({ args, values, convirt, finish }) => {
    const ref = splitVmRef(args[0]);
    if (!args[1]) throw new UsageError(`vm snapshot ${op} needs a snapshot NAME.`);
    const name = validateVmName(args[1]);
    const service = await convirt();
    if (op === 'create') {
      return finish(await service.createSnapshot(ref, name, { quiesce: values.quiesce === true }));
    }
    if (op === 'revert') return finish(await service.revertSnapshot(ref, name));
    return finish(await service.deleteSnapshot(ref, name));
  },
}));

export const vmCommands: Command[] = [
  {
    name: 'vm list',
    usage: '[--host NAME]',
    summary: 'The VMs of every host (or one), polled now: two samples a second apart for CPU use.',
    run: async ({ values, json, io, convirt }) => {
      const vms = await (await convirt()).listVms(values.host ? [values.host] : undefined);
      printRows(io, json, vms, ['host', 'name', 'state', 'vcpus', 'memoryMiB', 'cpuPercent']);
      return 0;
    },
  },
  ...VM_ACTIONS.map((action): Command => ({
    name: `vm ${action}`,
    usage: 'HOST/VM',
    summary: ACTION_SUMMARIES[action],
    run: async ({ args, convirt, finish }) => {
      const ref = splitVmRef(args[0]);
      return finish(await (await convirt()).vmAction(ref, action));
    },
  })),
  {
    name: 'vm info',
    usage: 'HOST/VM',
    summary: 'A VM in detail: resources, state, guest agent information, disks, snapshots.',
    run: async ({ args, json, io, convirt }) => {
      const ref = splitVmRef(args[0]);
      const info = await (await convirt()).vmDetails(ref);
      io.out(json ? JSON.stringify(info) : JSON.stringify(info, null, 2));
      return 0;
    },
  },
  {
    name: 'vm set',
    usage: 'HOST/VM [--vcpus N] [--memory MIB]',
    summary: "Changes a VM's vCPUs and memory.",
    run: async ({ args, values, convirt, finish }) => {
      const ref = splitVmRef(args[0]);
      const vcpus = count(values.vcpus, '--vcpus');
      const memoryMiB = count(values.memory, '--memory');
      if (vcpus === undefined && memoryMiB === undefined)
        throw new UsageError('vm set needs --vcpus or --memory.');
      const change = { ...(vcpus ? { vcpus } : {}), ...(memoryMiB ? { memoryMiB } : {}) };
      return finish(await (await convirt()).setVmResources(ref, change));
    },
  },
  {
    name: 'vm autostart',
    usage: 'HOST/VM on|off',
    summary: 'Whether a VM starts with its host.',
    run: async ({ args, convirt, finish }) => {
      const ref = splitVmRef(args[0]);
      if (args[1] !== 'on' && args[1] !== 'off')
        throw new UsageError('vm autostart needs on or off.');
      return finish(await (await convirt()).setAutostart(ref, args[1] === 'on'));
    },
  },
  {
    name: 'vm iso',
    usage: 'HOST/VM attach PATH | vm iso HOST/VM eject',
    summary: "Puts an ISO of the host into a VM's CD-ROM drive, or takes it out.",
    run: async ({ args, convirt, finish }) => {
      const ref = splitVmRef(args[0]);
      if (args[1] !== 'eject' && (args[1] !== 'attach' || !args[2]))
        throw new UsageError('vm iso needs attach PATH or eject.');
      return finish(await (await convirt()).setIso(ref, args[1] === 'eject' ? null : args[2]!));
    },
  },
  {
    name: 'vm clone',
    usage: 'HOST/VM NEW_NAME [--full]',
    summary: 'Clones a VM: an instant qcow2 overlay, or with --full a full copy of its disks.',
    run: async ({ args, values, convirt, finish }) => {
      const ref = splitVmRef(args[0]);
      if (!args[1]) throw new UsageError('vm clone needs a NEW_NAME.');
      const name = validateVmName(args[1]);
      return finish(await (await convirt()).cloneVm(ref, name, values.full ? 'full' : 'overlay'));
    },
  },
  {
    name: 'vm migrate',
    usage:
      'HOST/VM TARGET [--live|--offline] [--copy-storage] [--bandwidth MIB_S] [--target-address ADDRESS] [--check-only]',
    summary:
      'Moves a VM to another host: live (running VM) or offline (shut off), its disks shared or copied.',
    notes: [
      'Every check runs first (same hypervisor, networks and bridges, free memory and disk, CPU, name, reach); a failed one refuses the move (exit 2) and nothing moves. --check-only prints the checks and stops.',
      "Without --copy-storage the disks are copied unless both hosts see them at the same path. libvirt's control connection goes through ConVirt's own SSH sessions; the VM's memory goes directly from host to host (--target-address: the target's address as the source reaches it). Xen VMs move offline only: a running one is refused with the reason.",
    ],
    run: async ({ args, values, json, io, convirt, finish }) => {
      const ref = splitVmRef(args[0]);
      if (!args[1]) throw new UsageError('vm migrate needs a TARGET host.');
      if (values.live && values.offline)
        throw new UsageError('Give --live or --offline, not both.');
      const mode: MigrationMode | undefined = values.live
        ? 'live'
        : values.offline
          ? 'offline'
          : undefined;
      const bandwidth = count(values.bandwidth, '--bandwidth');
      const request: MigrationRequest = {
        target: args[1],
        ...(mode ? { mode } : {}),
        ...(values['copy-storage'] ? { copyStorage: true } : {}),
        ...(bandwidth ? { bandwidthMiBs: bandwidth } : {}),
        ...(values['target-address'] ? { targetAddress: values['target-address'] } : {}),
      };
      const service = await convirt();
      if (values['check-only']) {
        const plan = await service.checkMigration(ref, request);
        if (json) io.out(JSON.stringify(plan));
        else {
          io.out(
            `${plan.source}/${plan.vm} -> ${plan.target}: ${plan.mode}, storage ${plan.storage}`,
          );
          for (const c of plan.checks) io.out(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
          if (plan.connection) io.out(plan.connection);
        }
        return plan.ok ? 0 : 2;
      }
      return finish(await service.migrateVm(ref, request));
    },
  },
  {
    name: 'vm delete',
    usage: 'HOST/VM [--remove-disks] [--yes]',
    summary: 'Deletes a VM; --remove-disks its disks too (never a disk another VM needs).',
    run: async ({ args, values, io, convirt, finish }) => {
      const ref = splitVmRef(args[0]);
      const removeDisks = values['remove-disks'] === true;
      const what = `${ref.host}/${ref.vm}${removeDisks ? ' and its disks' : ''}`;
      if (!(await confirmed(io, values.yes === true, `Deleting ${what}`, `Delete ${what}`)))
        return 2;
      return finish(await (await convirt()).deleteVm(ref, { removeDisks }));
    },
  },
  {
    name: 'vm save',
    usage: 'HOST/VM',
    summary:
      "Saves a running VM's memory to a file in the host's snapshots_dir (convirt.conf); the VM stops.",
    run: async ({ args, convirt, finish }) => {
      const ref = splitVmRef(args[0]);
      return finish(await (await convirt()).saveVmState(ref));
    },
  },
  {
    name: 'vm restore',
    usage: 'HOST/VM',
    summary: 'Brings a saved VM back from its file in snapshots_dir, then removes the file.',
    run: async ({ args, convirt, finish }) => {
      const ref = splitVmRef(args[0]);
      return finish(await (await convirt()).restoreVmState(ref));
    },
  },
  {
    name: 'vm add-agent-channel',
    usage: 'HOST/VM',
    summary: "Adds the guest agent's channel to a VM (used from its next start).",
    run: async ({ args, convirt, finish }) => {
      const ref = splitVmRef(args[0]);
      return finish(await (await convirt()).addGuestAgentChannel(ref));
    },
  },
  {
    name: 'vm password',
    usage: 'HOST/VM USER',
    summary: "Sets a guest user's password through the guest agent (read from standard input).",
    run: async ({ args, io, convirt, finish }) => {
      const ref = splitVmRef(args[0]);
      const user = args[1];
      if (!user) throw new UsageError('vm password needs a USER.');
      const password = io.interactive
        ? await askSecret(io, `New password for ${user}: `)
        : (await readAll(io.stdin)).replace(/\n$/, '');
      if (!password) throw new UsageError('An empty password was given.');
      return finish(await (await convirt()).setGuestPassword(ref, user, password));
    },
  },
  {
    name: 'vm snapshot list',
    usage: 'HOST/VM',
    summary: "A VM's snapshots.",
    run: async ({ args, json, io, convirt }) => {
      const ref = splitVmRef(args[0]);
      const list = await (await convirt()).listSnapshots(ref);
      printRows(io, json, list, ['name', 'createdAt', 'state']);
      return 0;
    },
  },
  ...snapshotCommands,
];
