// host add|list|show|accept-key|remove: the hosts of the inventory.
import type { ConvirtService, HostView } from '../../../shared/contract/convirt-contract.js';
import { ContractError } from '../../../shared/contract/define.js';
import { HYPERVISORS, type Hypervisor } from '../../../shared/domain/host.js';
import type { Group, Host } from '../../../shared/domain/inventory.js';
import type { Command, CommandContext } from '../command-table.js';
import { askYes, printRows, UsageError, type Io } from '../io.js';

function parseAddress(address: string | undefined): { address: string; port?: number } {
  if (!address) throw new UsageError('host add needs --address HOST[:PORT].');
  const m = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d+))?$/.exec(address);
  if (!m) throw new UsageError(`Invalid address ${JSON.stringify(address)}.`);
  const port = m[3] ? Number(m[3]) : undefined;
  if (port !== undefined && (port < 1 || port > 65535))
    throw new UsageError(`Invalid port ${port}.`);
  return { address: (m[1] ?? m[2])!, ...(port ? { port } : {}) };
}

/** A --hypervisor value, checked. */
export function hypervisorOption(value: string | undefined): Hypervisor | undefined {
  if (value !== undefined && !HYPERVISORS.includes(value as Hypervisor)) {
    throw new UsageError(`--hypervisor must be kvm or xen, not ${value}.`);
  }
  return value as Hypervisor | undefined;
}

/** The inventory's record of a host, without what the UI's view adds. */
function record(view: HostView): Host {
  const host: Partial<HostView> = { ...view };
  for (const key of ['status', 'error', 'facts', 'tags', 'polledAt'] as const) delete host[key];
  return host as Host;
}

/** `Datacenter/Rack 1` for a pool inside a pool. */
function groupPath(groups: Group[], id: number): string {
  const group = groups.find((g) => g.id === id);
  if (!group) return '';
  return group.parentId === null
    ? group.name
    : `${groupPath(groups, group.parentId)}/${group.name}`;
}

async function hostRecord(convirt: ConvirtService, name: string): Promise<Host> {
  const view = (await convirt.getFleet()).hosts.find((h) => h.name === name);
  if (!view) throw new ContractError({ code: 'not-found', message: `No host named ${name}.` });
  return record(view);
}

/** The unknown key's fingerprint, shown; whether the operator trusts it. */
async function trustAtTerminal(io: Io, err: ContractError, at: string): Promise<boolean> {
  io.err(`The host key of ${at} is not known yet.`);
  io.err(`Its key fingerprint is ${err.data.fingerprint}.`);
  return askYes(io, 'Trust it and connect?');
}

/** A new host gets the certificates for downloads by URL (cert add): in a task, waited for here. */
async function certificatesInstalled(service: ConvirtService, host: string, io: Io): Promise<void> {
  const installs = (await service.listTasks(10)).filter(
    (t) => t.kind === 'certificates.install' && t.target === host,
  );
  for (const install of installs) {
    const { task } = await service.waitForTask(install.id);
    if (task.status !== 'succeeded') {
      io.err(
        `${host} is added, but not every certificate for downloads by URL is installed on it: ${task.error ?? task.status}`,
      );
    }
  }
}

async function hostAdd({ args, values, json, io, convirt }: CommandContext): Promise<number> {
  const name = args[0];
  if (!name) throw new UsageError('host add needs a NAME.');
  const hypervisor = hypervisorOption(values.hypervisor);
  const endpoint = parseAddress(values.address);
  const input = {
    name,
    ...endpoint,
    ...(values.user ? { username: values.user } : {}),
    ...(values.identity ? { identityFile: values.identity, authMethod: 'key' as const } : {}),
    ...(values.password ? { authMethod: 'password' as const } : {}),
    ...(hypervisor ? { hypervisor } : {}),
    ...(values.uri ? { libvirtUri: values.uri } : {}),
    ...(values.sudo ? { useSudo: true } : {}),
    ...(values.group ? { group: values.group } : {}),
  };
  const accept = values['accept-host-key'];
  const service = await convirt();
  let added: HostView;
  try {
    added = await service.addHost({ ...input, ...(accept ? { acceptFingerprint: accept } : {}) });
  } catch (err) {
    const unknownKey = err instanceof ContractError && err.data.code === 'host-key-unknown';
    const at = `${endpoint.address}:${endpoint.port ?? 22}`;
    if (!unknownKey || accept || json || !io.interactive) throw err;
    if (!(await trustAtTerminal(io, err, at))) throw err;
    added = await service.addHost({ ...input, acceptFingerprint: err.data.fingerprint! });
  }
  const host = record(added);
  const facts = added.facts!;
  await certificatesInstalled(service, host.name, io);
  if (json) io.out(JSON.stringify({ host, facts }));
  else
    io.out(
      `Added ${host.name} (${host.hypervisor}, ${facts.hypervisorVersion}, ${facts.cpuCount} CPUs).`,
    );
  return 0;
}

export const hostCommands: Command[] = [
  {
    name: 'host add',
    usage:
      'NAME --address HOST[:PORT] [--user U] [--identity FILE] [--password] [--hypervisor kvm|xen] [--uri URI] [--group G] [--sudo] [--accept-host-key SHA256:...]',
    summary: 'Adds a host: its key is checked, its hypervisor detected (KVM or Xen).',
    notes: [
      'An unknown host key is shown and asked about at a terminal; otherwise give its fingerprint with --accept-host-key.',
      '--group puts the host in a server pool (a path such as `Lab/Rack 1`, created when missing).',
      'The certificates uploaded with `cert add` are installed on the new host.',
    ],
    run: hostAdd,
  },
  {
    name: 'host list',
    usage: '',
    summary: 'The hosts of the inventory.',
    run: async ({ json, io, convirt }) => {
      const fleet = await (await convirt()).getFleet();
      const hosts = fleet.hosts.map((view) => {
        const host = record(view);
        return {
          ...host,
          group: host.groupId === null ? null : groupPath(fleet.groups, host.groupId),
        };
      });
      printRows(io, json, hosts, ['name', 'address', 'port', 'username', 'hypervisor', 'group']);
      return 0;
    },
  },
  {
    name: 'host show',
    usage: 'NAME',
    summary: 'A host and its facts (hypervisor, CPUs, memory), asked of the host now.',
    run: async ({ args, json, io, convirt }) => {
      const service = await convirt();
      const host = await hostRecord(service, args[0] ?? '');
      const facts = await service.hostFacts(host.name);
      io.out(json ? JSON.stringify({ host, facts }) : JSON.stringify({ host, facts }, null, 2));
      return 0;
    },
  },
  {
    name: 'host accept-key',
    usage: 'NAME SHA256:...',
    summary: "Accepts a host's new key after its key changed, and connects to it again.",
    notes: [
      'Give the new fingerprint the refusal showed, once its administrator has confirmed it; any other key is still refused.',
      'A key on record in your own ~/.ssh/known_hosts is yours to remove first (`ssh-keygen -R HOST`).',
    ],
    run: async ({ args, json, io, convirt }) => {
      const [name = '', fingerprint = ''] = args;
      const view = await (await convirt()).acceptHostKey(name, fingerprint);
      if (json) io.out(JSON.stringify(record(view)));
      else io.out(`Accepted the new key of ${name} (${view.hostKeyFingerprint}).`);
      return 0;
    },
  },
  {
    name: 'host remove',
    usage: 'NAME',
    summary: 'Removes a host from the inventory (its VMs are left alone).',
    run: async ({ args, json, io, convirt }) => {
      await (await convirt()).removeHost(args[0] ?? '');
      if (!json) io.out(`Removed ${args[0]}.`);
      return 0;
    },
  },
  {
    name: 'host evacuate',
    usage: 'NAME',
    summary:
      'Migrates every running VM of a host to the other hosts of its server pool, by free memory.',
    notes: [
      'Every move is checked first (see vm migrate); a VM no host has room for, or a failed check, refuses the whole evacuation and nothing moves. Waits for every migration; exit 1 when one failed.',
    ],
    run: async ({ args, convirt, finish }) => {
      if (!args[0]) throw new UsageError('host evacuate needs a host NAME.');
      let worst = 0;
      for (const task of await (await convirt()).evacuateHost(args[0])) {
        worst = Math.max(worst, await finish(task));
      }
      return worst;
    },
  },
];
