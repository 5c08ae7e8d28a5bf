// convirtctl: the fleet engine for scripts and operators without a display.
// Exit status: 0 ok, 1 the operation failed, 2 bad usage or refused input (nothing was run).
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { HYPERVISORS, type Hypervisor } from '../../shared/domain/host.js';
import { InvalidInputError, validateVmName } from '../../shared/validation/names.js';
import {
  FleetService,
  VM_ACTIONS,
  type StartedTask,
  type VmAction,
} from '../fleet/fleet-service.js';
import { Inventory, resolveDataDir } from '../inventory/index.js';
import { HostKeyRejectedError } from '../ssh/host-key.js';
import { HostKeyTrust, HostKeyUnknownError } from '../ssh/host-key-trust.js';
import { loadUserSshConfig } from '../ssh/ssh-config.js';
import { InputGate, serialConsoleBanner } from '../consoles/input-gate.js';

export const USAGE = `Usage: convirtctl [--data-dir DIR] COMMAND ...

  host add NAME --address HOST[:PORT] [--user U] [--identity FILE] [--password]
                [--hypervisor kvm|xen] [--uri URI] [--group G] [--sudo]
                [--accept-host-key SHA256:...]
  host list | host show NAME | host remove NAME
  vm list [--host NAME]
  vm start|shutdown|reboot|destroy|suspend|resume HOST/VM
  vm info HOST/VM
  vm console HOST/VM              (Ctrl+] leaves)
  vm set HOST/VM [--vcpus N] [--memory MIB]
  vm autostart HOST/VM on|off
  vm iso HOST/VM attach PATH | vm iso HOST/VM eject
  vm clone HOST/VM NEW_NAME [--full]       (default: instant qcow2 overlay)
  vm delete HOST/VM [--remove-disks] [--yes]
  vm add-agent-channel HOST/VM
  vm password HOST/VM USER               (reads the password from standard input)
  vm snapshot create|list|revert|delete HOST/VM [NAME] [--quiesce]
  task list | task show ID

  --json prints machine-readable output on every command that shows something.`;

/** Bad usage or refused input: exit 2, nothing was run. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

interface Io {
  out(text: string): void;
  err(text: string): void;
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  interactive: boolean;
}

const OPTIONS = {
  'data-dir': { type: 'string' },
  json: { type: 'boolean' },
  address: { type: 'string' },
  user: { type: 'string' },
  identity: { type: 'string' },
  password: { type: 'boolean' },
  hypervisor: { type: 'string' },
  uri: { type: 'string' },
  group: { type: 'string' },
  sudo: { type: 'boolean' },
  'accept-host-key': { type: 'string' },
  host: { type: 'string' },
  quiesce: { type: 'boolean' },
  vcpus: { type: 'string' },
  memory: { type: 'string' },
  full: { type: 'boolean' },
  'remove-disks': { type: 'boolean' },
  yes: { type: 'boolean', short: 'y' },
  help: { type: 'boolean', short: 'h' },
} satisfies ParseArgsConfig['options'];

function splitVmRef(ref: string | undefined): [string, string] {
  const slash = (ref ?? '').indexOf('/');
  if (!ref || slash <= 0)
    throw new UsageError(`Expected HOST/VM, got ${JSON.stringify(ref ?? '')}.`);
  return [ref.slice(0, slash), validateVmName(ref.slice(slash + 1))];
}

function parseAddress(address: string | undefined): { address: string; port?: number } {
  if (!address) throw new UsageError('host add needs --address HOST[:PORT].');
  const m = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d+))?$/.exec(address);
  if (!m) throw new UsageError(`Invalid address ${JSON.stringify(address)}.`);
  const port = m[3] ? Number(m[3]) : undefined;
  if (port !== undefined && (port < 1 || port > 65535))
    throw new UsageError(`Invalid port ${port}.`);
  return { address: (m[1] ?? m[2])!, ...(port ? { port } : {}) };
}

/** A cell as text: objects as JSON rather than '[object Object]'. */
function cell(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'object') return JSON.stringify(value);
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return value.toString();
  return JSON.stringify(value) ?? '-';
}

function table(rows: Array<Record<string, unknown>>, columns: string[]): string {
  const cells = rows.map((r) => columns.map((c) => cell(r[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.toUpperCase())), ...cells.map(line)].join('\n');
}

/** Waits for a started task to end and reports it; the exit status follows its outcome. */
async function taskOutcome(started: StartedTask, io: Io, json: boolean): Promise<number> {
  const task = await started.finished;
  if (json) io.out(JSON.stringify(task));
  else if (task.status === 'succeeded')
    io.out(`${task.kind} ${task.target}: done (task ${task.id})`);
  else io.err(`${task.kind} ${task.target} failed: ${task.error ?? task.status} (task ${task.id})`);
  return task.status === 'succeeded' ? 0 : 1;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

async function ask(io: Io, question: string): Promise<string> {
  const rl = createInterface({ input: io.stdin, output: io.stdout });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}

async function hostAdd(
  fleet: FleetService,
  positionals: string[],
  values: Record<string, unknown>,
  io: Io,
) {
  const name = positionals[0];
  if (!name) throw new UsageError('host add needs a NAME.');
  const hypervisor = values.hypervisor as string | undefined;
  if (hypervisor !== undefined && !HYPERVISORS.includes(hypervisor as Hypervisor)) {
    throw new UsageError(`--hypervisor must be kvm or xen, not ${hypervisor}.`);
  }
  const json = values.json === true;
  const accept = values['accept-host-key'] as string | undefined;
  const confirm =
    !accept && !json && io.interactive
      ? async (key: { algorithm: string; fingerprint: string; host: string; port: number }) => {
          io.err(`The host key of ${key.host}:${key.port} is not known yet.`);
          io.err(`${key.algorithm} key fingerprint is ${key.fingerprint}.`);
          return /^y(es)?$/i.test((await ask(io, 'Trust it and connect? [y/N] ')).trim());
        }
      : undefined;
  const groupId = values.group ? fleet.ensureGroupPath(values.group as string) : undefined;
  const { host, facts } = await fleet.addHost(
    {
      name,
      ...parseAddress(values.address as string | undefined),
      ...(values.user ? { username: values.user as string } : {}),
      ...(values.identity
        ? { identityFile: values.identity as string, authMethod: 'key' as const }
        : {}),
      ...(values.password ? { authMethod: 'password' as const } : {}),
      ...(hypervisor ? { hypervisor: hypervisor as Hypervisor } : {}),
      ...(values.uri ? { libvirtUri: values.uri as string } : {}),
      ...(values.sudo ? { useSudo: true } : {}),
      ...(groupId !== undefined ? { groupId } : {}),
    },
    { ...(accept ? { acceptFingerprint: accept } : {}), ...(confirm ? { confirm } : {}) },
  );
  if (json) io.out(JSON.stringify({ host, facts }));
  else
    io.out(
      `Added ${host.name} (${host.hypervisor}, ${facts.hypervisorVersion}, ${facts.cpuCount} CPUs).`,
    );
  return 0;
}

async function vmConsole(fleet: FleetService, host: string, vm: string, io: Io): Promise<number> {
  const size = io.stdout.isTTY ? { cols: io.stdout.columns, rows: io.stdout.rows } : undefined;
  const channel = await fleet.openConsole(host, vm, size);
  io.err(`Connected to ${host}/${vm}. Ctrl+] leaves.`);
  const stdin = io.stdin;
  if (stdin.isTTY) stdin.setRawMode(true);
  // Keystrokes wait until virsh has attached (it throws away what arrives earlier); what it
  // prints until then (its banner) is not shown. xl console has no banner: nothing waits.
  const gate = new InputGate(
    (d) => channel.write(d),
    serialConsoleBanner(fleet.host(host).hypervisor),
  );
  channel.on('data', (d: Buffer) => {
    if (gate.isOpen) io.stdout.write(d);
    else gate.output(d);
  });
  const onInput = (d: Buffer) => {
    const leave = d.indexOf(0x1d);
    if (leave < 0) return gate.input(d);
    if (leave > 0) gate.input(d.subarray(0, leave));
    channel.close();
  };
  stdin.on('data', onInput);
  await new Promise<void>((resolve) => channel.on('close', resolve));
  stdin.off('data', onInput);
  if (stdin.isTTY) stdin.setRawMode(false);
  stdin.pause();
  io.err('\nConsole closed.');
  return 0;
}

export async function main(argv: string[], io: Io): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    io.err((err as Error).message);
    io.err(USAGE);
    return 2;
  }
  const { values, positionals } = parsed;
  const [noun, verb, ...rest] = positionals;
  if (values.help || !noun) {
    io.out(USAGE);
    return noun || values.help ? 0 : 2;
  }
  const json = values.json === true;

  let fleet: FleetService | undefined;
  let inventory: Inventory | undefined;
  try {
    // Validate what can be validated before opening anything.
    if (noun === 'vm' && verb && verb !== 'list')
      splitVmRef(verb === 'snapshot' ? rest[1] : rest[0]);
    const dataDir = resolveDataDir({ ...(values['data-dir'] ? { flag: values['data-dir'] } : {}) });
    inventory = Inventory.open({ dataDir });
    const trust = new HostKeyTrust({ convirtStoreFile: join(dataDir, 'known_hosts') });
    fleet = new FleetService({
      inventory,
      trust,
      sshConfig: loadUserSshConfig(homedir()),
      prompts: {
        passphrase: async (file) =>
          io.interactive ? await ask(io, `Passphrase for ${file}: `) : undefined,
        password: async (target) =>
          io.interactive ? await ask(io, `Password for ${target}: `) : undefined,
      },
    });

    switch (`${noun} ${verb ?? ''}`.trim()) {
      case 'host add':
        return await hostAdd(fleet, rest, values, io);
      case 'host list': {
        const service = fleet;
        const hosts = service.listHosts().map((h) => ({
          ...h,
          group: h.groupId === null ? null : service.groupPath(h.groupId),
        }));
        io.out(
          json
            ? JSON.stringify(hosts)
            : table(hosts, ['name', 'address', 'port', 'username', 'hypervisor', 'group']),
        );
        return 0;
      }
      case 'host show': {
        const host = fleet.host(rest[0] ?? '');
        const facts = await fleet.hostFacts(host.name);
        io.out(json ? JSON.stringify({ host, facts }) : JSON.stringify({ host, facts }, null, 2));
        return 0;
      }
      case 'host remove':
        fleet.removeHost(rest[0] ?? '');
        if (!json) io.out(`Removed ${rest[0]}.`);
        return 0;
      case 'vm list': {
        // Two samples a second apart, so CPU use has a value in a one-shot command.
        const vms = await fleet.listVms(values.host ? [values.host] : undefined, 1000);
        io.out(
          json
            ? JSON.stringify(vms)
            : table(vms as never, ['host', 'name', 'state', 'vcpus', 'memoryMiB', 'cpuPercent']),
        );
        return 0;
      }
      case 'vm info': {
        const [host, vm] = splitVmRef(rest[0]);
        const info = await fleet.vmInfo(host, vm);
        io.out(json ? JSON.stringify(info) : JSON.stringify(info, null, 2));
        return 0;
      }
      case 'vm console': {
        const [host, vm] = splitVmRef(rest[0]);
        return await vmConsole(fleet, host, vm, io);
      }
      case 'vm snapshot': {
        const [op, ref, snapshot] = rest;
        const [host, vm] = splitVmRef(ref);
        if (op === 'list') {
          const list = await fleet.snapshotList(host, vm);
          io.out(json ? JSON.stringify(list) : table(list, ['name', 'createdAt', 'state']));
          return 0;
        }
        if (op !== 'create' && op !== 'revert' && op !== 'delete') {
          throw new UsageError('vm snapshot needs create, list, revert or delete.');
        }
        if (!snapshot) throw new UsageError(`vm snapshot ${op} needs a snapshot NAME.`);
        const task = fleet.snapshot(host, vm, op, validateVmName(snapshot), {
          quiesce: values.quiesce === true,
        });
        return await taskOutcome(task, io, json);
      }
      case 'vm set': {
        const [host, vm] = splitVmRef(rest[0]);
        const count = (v: string | undefined, what: string) => {
          if (v === undefined) return undefined;
          if (!/^\d+$/.test(v)) throw new UsageError(`${what} must be a whole number.`);
          return Number(v);
        };
        const vcpus = count(values.vcpus, '--vcpus');
        const memoryMiB = count(values.memory, '--memory');
        if (vcpus === undefined && memoryMiB === undefined)
          throw new UsageError('vm set needs --vcpus or --memory.');
        return await taskOutcome(
          fleet.setResources(host, vm, {
            ...(vcpus ? { vcpus } : {}),
            ...(memoryMiB ? { memoryMiB } : {}),
          }),
          io,
          json,
        );
      }
      case 'vm autostart': {
        const [host, vm] = splitVmRef(rest[0]);
        if (rest[1] !== 'on' && rest[1] !== 'off')
          throw new UsageError('vm autostart needs on or off.');
        return await taskOutcome(fleet.setAutostart(host, vm, rest[1] === 'on'), io, json);
      }
      case 'vm iso': {
        const [host, vm] = splitVmRef(rest[0]);
        if (rest[1] === 'eject') return await taskOutcome(fleet.setIso(host, vm, null), io, json);
        if (rest[1] !== 'attach' || !rest[2])
          throw new UsageError('vm iso needs attach PATH or eject.');
        return await taskOutcome(fleet.setIso(host, vm, rest[2]), io, json);
      }
      case 'vm clone': {
        const [host, vm] = splitVmRef(rest[0]);
        if (!rest[1]) throw new UsageError('vm clone needs a NEW_NAME.');
        const task = fleet.clone(
          host,
          vm,
          validateVmName(rest[1]),
          values.full ? 'full' : 'overlay',
        );
        return await taskOutcome(task, io, json);
      }
      case 'vm delete': {
        const [host, vm] = splitVmRef(rest[0]);
        const what = values['remove-disks'] ? `${host}/${vm} and its disks` : `${host}/${vm}`;
        if (!values.yes) {
          if (!io.interactive)
            throw new UsageError(`Deleting ${what} needs --yes when there is no terminal to ask.`);
          if (!/^y(es)?$/i.test((await ask(io, `Delete ${what}? [y/N] `)).trim())) return 2;
        }
        return await taskOutcome(
          fleet.deleteVm(host, vm, { removeDisks: values['remove-disks'] === true }),
          io,
          json,
        );
      }
      case 'vm add-agent-channel': {
        const [host, vm] = splitVmRef(rest[0]);
        return await taskOutcome(fleet.addGuestAgentChannel(host, vm), io, json);
      }
      case 'vm password': {
        const [host, vm] = splitVmRef(rest[0]);
        if (!rest[1]) throw new UsageError('vm password needs a USER.');
        const password = io.interactive
          ? await ask(io, `New password for ${rest[1]}: `)
          : (await readAll(io.stdin)).replace(/\n$/, '');
        if (!password) throw new UsageError('An empty password was given.');
        return await taskOutcome(fleet.setUserPassword(host, vm, rest[1], password), io, json);
      }
      case 'task list': {
        const tasks = fleet.listTasks();
        io.out(
          json
            ? JSON.stringify(tasks)
            : table(tasks as never, ['id', 'kind', 'target', 'status', 'createdAt', 'error']),
        );
        return 0;
      }
      case 'task show': {
        const { task, log } = fleet.task(rest[0] ?? '');
        if (json) io.out(JSON.stringify({ ...task, log }));
        else {
          io.out(JSON.stringify(task, null, 2));
          for (const entry of log) io.out(`[${entry.at} ${entry.stream}] ${entry.text.trimEnd()}`);
        }
        return 0;
      }
      default:
        if (noun === 'vm' && VM_ACTIONS.includes(verb as VmAction)) {
          const [host, vm] = splitVmRef(rest[0]);
          return await taskOutcome(fleet.vmAction(host, vm, verb as VmAction), io, json);
        }
        throw new UsageError(`Unknown command: ${positionals.join(' ')}`);
    }
  } catch (err) {
    const error = err instanceof Error ? err : new Error(String(err));
    io.err(error.message);
    if (err instanceof HostKeyUnknownError) {
      io.err(`To trust it: convirtctl host add ... --accept-host-key ${err.key.fingerprint}`);
    }
    const refused =
      err instanceof UsageError ||
      err instanceof InvalidInputError ||
      err instanceof HostKeyRejectedError;
    if (err instanceof UsageError) io.err(USAGE);
    return refused ? 2 : 1;
  } finally {
    fleet?.close();
    inventory?.close();
  }
}
