// convirtctl: the fleet engine for scripts and operators without a display.
// Exit status: 0 ok, 1 the operation failed, 2 bad usage or refused input (nothing was run).
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { askHidden } from './hidden-prompt.js';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { HYPERVISORS, type Hypervisor } from '../../shared/domain/host.js';
import { InvalidInputError, validateVmName } from '../../shared/validation/names.js';
import {
  FleetService,
  VM_ACTIONS,
  type StartedTask,
  type VmAction,
} from '../fleet/fleet-service.js';
import { Inventory, resolveDataDir, type Task } from '../inventory/index.js';
import { HostKeyRejectedError } from '../ssh/host-key.js';
import { HostKeyTrust, HostKeyUnknownError } from '../ssh/host-key-trust.js';
import { loadUserSshConfig } from '../ssh/ssh-config.js';
import { NotSupportedError } from '../hypervisors/driver.js';
import { InputGate, SERIAL_CONSOLE_READY } from '../consoles/input-gate.js';
import { fleetProvisioning } from '../provisioning/fleet-provisioning.js';
import {
  checkIsoFile,
  IsoQuotaError,
  IsoSettingsFile,
  uploadIso,
} from '../provisioning/iso-upload.js';
import { DEFAULT_HOST_PATHS } from '../provisioning/provisioning-service.js';
import { sharedTemplatePool } from '../provisioning/template-pools.js';
import {
  unlockForHeaders,
  UrlTemplateRecords,
  type TemplateFormat,
} from '../templates/template-records.js';
import { passphraseProtection } from '../secrets/passphrase-protection.js';
import { SshSecrets } from '../secrets/ssh-secrets.js';
import { configureVault } from '../secrets/vault-registry.js';
import { parseHttpHeader } from '../../shared/validation/download-source.js';
import { secretsCommand } from './secrets-command.js';
import { fleetUrlTemplates } from '../templates/fleet-url-templates.js';

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
  appliance list
  vm provision APPLIANCE --host H --name N [--param KEY=VALUE]... [--start]
               [--image-cache HOST_DIR]
  vm provision --template NAME --host H --name N [--param KEY=VALUE]... [--start]
               [--pool-dir HOST_DIR] [--shared-pool POOL]
               (a template or ISO registered by URL; H downloads it into the pool first
               unless a copy is there; params: memory vcpus vda_disk_size bridge mac)
  iso upload HOST FILE            (refused when the host's ISO quota would be exceeded)
  iso quota HOST MIB [--iso-dir HOST_DIR]
  image register NAME --url URL [--format qcow2|raw|iso] [--checksum SUM]
                 [--header 'NAME:VALUE']... [--direct-download] [--os OS]
                 [--hypervisor kvm|xen] [--client-cert NAME]
  image list
  image deploy NAME --host H --pool-dir HOST_DIR [--shared-pool POOL]
               (H downloads it into the pool; a copy already there is reused. With
               --shared-pool, the folder is storage the hosts of H's server pool share:
               they are tried in turn when H's download fails)
  image check-url URL [--header 'NAME:VALUE']... [--hypervisor kvm|xen]
  image remove NAME [--yes]       (its image store copy too; copies on pools stay)
  cert add NAME --ca FILE | cert add NAME --cert FILE --key FILE
  cert list | cert remove NAME
  secrets list                    (remembered SSH secrets, by name; never their values)
  secrets forget ID | secrets forget --all

  --remember keeps the SSH passwords and passphrases typed for this command in ConVirt's
  secret store (encrypted under a master passphrase, asked when the store is first used).
  --passphrase-file FILE reads that master passphrase from the first line of FILE (mode 0600 or
  stricter, owned by you) instead of asking: for scripts and jobs without a terminal.
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
  name: { type: 'string' },
  param: { type: 'string', multiple: true },
  start: { type: 'boolean' },
  'image-cache': { type: 'string' },
  'iso-dir': { type: 'string' },
  url: { type: 'string' },
  format: { type: 'string' },
  checksum: { type: 'string' },
  header: { type: 'string', multiple: true },
  'direct-download': { type: 'boolean' },
  os: { type: 'string' },
  'client-cert': { type: 'string' },
  ca: { type: 'string' },
  cert: { type: 'string' },
  key: { type: 'string' },
  'shared-pool': { type: 'string' },
  'pool-dir': { type: 'string' },
  remember: { type: 'boolean' },
  'passphrase-file': { type: 'string' },
  all: { type: 'boolean' },
  template: { type: 'string' },
} satisfies ParseArgsConfig['options'];

/**
 * The master passphrase from the first line of a file only its owner can read (as ssh treats
 * private keys): a passphrase others can read is no secret.
 */
function readPassphraseFile(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    throw new UsageError(`Cannot read the passphrase file ${path}.`);
  }
  try {
    // Checked on the open file itself, so what is read is what was checked.
    const info = fstatSync(fd);
    if (!info.isFile()) throw new UsageError(`The passphrase file ${path} is not a file.`);
    if ((info.mode & 0o077) !== 0 || info.uid !== process.getuid?.()) {
      throw new UsageError(
        `The passphrase file ${path} must be yours and readable by you alone (chmod 600); it was not read.`,
      );
    }
    const passphrase = readFileSync(fd, 'utf8').split(/\r?\n/)[0] ?? '';
    if (!passphrase) throw new UsageError(`The passphrase file ${path} is empty.`);
    return passphrase;
  } finally {
    closeSync(fd);
  }
}

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
  return printTaskOutcome(await started.finished, io, json);
}

/** Prints a finished task (JSON, or a line); 0 when it succeeded, 1 otherwise. */
function printTaskOutcome(task: Task, io: Io, json: boolean): number {
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

/** A password or passphrase, read without echo (see hidden-prompt.ts). */
function askSecret(io: Io, question: string): Promise<string> {
  return askHidden(io.stdin, io.stdout, question);
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
  // Keystrokes wait until the console has attached (virsh throws away what arrives earlier);
  // what it prints until then (its banner) is not shown.
  const gate = new InputGate((d) => channel.write(d), SERIAL_CONSOLE_READY);
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
    if (noun === 'vm' && verb && verb !== 'list' && verb !== 'provision')
      splitVmRef(verb === 'snapshot' ? rest[1] : rest[0]);
    const dataDir = resolveDataDir({ ...(values['data-dir'] ? { flag: values['data-dir'] } : {}) });
    // Before the inventory opens: its migrations may move secrets into the store.
    const passphraseFile = values['passphrase-file'];
    const vault = configureVault(
      dataDir,
      passphraseProtection(async (purpose) => {
        if (passphraseFile) return readPassphraseFile(passphraseFile);
        if (!io.interactive) return undefined;
        if (purpose === 'unlock')
          return askSecret(io, "Master passphrase of ConVirt's secret store: ");
        const first = await askSecret(io, "New master passphrase for ConVirt's secret store: ");
        if ((await askSecret(io, 'The same again: ')) !== first) {
          throw new UsageError('The two master passphrases differ; nothing was stored.');
        }
        return first;
      }),
    );
    inventory = Inventory.open({ dataDir });
    const trust = new HostKeyTrust({ convirtStoreFile: join(dataDir, 'known_hosts') });
    const remember = values.remember === true;
    const sshSecrets = new SshSecrets({
      vault,
      warn: (message) => io.err(message),
      ask: async (kind, subject) => {
        if (!io.interactive) return undefined;
        const question =
          kind === 'password' ? `Password for ${subject}: ` : `Passphrase for ${subject}: `;
        return { secret: await askSecret(io, question), remember };
      },
    });
    fleet = new FleetService({
      inventory,
      trust,
      sshConfig: loadUserSshConfig(homedir()),
      prompts: sshSecrets.prompts,
    });
    // A client certificate's key is kept in the secret store.
    const clientCertificate =
      noun === 'cert' &&
      (verb === 'add'
        ? typeof values.cert === 'string'
        : verb === 'remove' &&
          new UrlTemplateRecords(inventory.db).certificate(rest[0] ?? '')?.kind === 'client');
    // So does a registration into the image store presenting a client certificate.
    const storedWithClientCertificate =
      noun === 'image' &&
      verb === 'register' &&
      typeof values['client-cert'] === 'string' &&
      values['direct-download'] !== true;
    if (clientCertificate || storedWithClientCertificate) await vault.unlock();
    // Listing and checking a URL never need a stored header's value: no passphrase for them.
    const usesStoredHeaders = ['register', 'deploy'].includes(verb ?? '');
    if ((noun === 'image' && usesStoredHeaders) || (noun === 'vm' && verb === 'provision')) {
      // Headers are checked before the store is unlocked (bad input: exit 2, nothing asked).
      const headers = (values.header ?? []).map(parseHttpHeader);
      await unlockForHeaders(inventory.db, verb === 'register' && headers.length > 0);
    }

    switch (`${noun} ${verb ?? ''}`.trim()) {
      case 'host add': {
        const code = await hostAdd(fleet, rest, values, io);
        // A host added later gets the certificates uploaded for downloads by URL (cert add).
        if (rest[0] && code === 0) {
          const templates = fleetUrlTemplates(fleet, inventory, dataDir);
          try {
            // A store nobody can unlock still lets the CAs go on (the client keys then fail).
            if (templates.listCertificates().some((c) => c.kind === 'client'))
              await vault.unlock().catch(() => undefined);
            await templates.installCertificatesOn(rest[0]);
          } catch (err) {
            io.err(
              `${rest[0]} is added, but not every certificate for downloads by URL is installed on it: ${(err as Error).message}`,
            );
          }
        }
        return code;
      }
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
          ? await askSecret(io, `New password for ${rest[1]}: `)
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
      case 'secrets list':
      case 'secrets forget':
      case 'secrets':
        return secretsCommand(
          verb,
          rest,
          { json, all: values.all === true },
          { vault, sshSecrets, db: inventory.db, usage: (m) => new UsageError(m) },
          io,
        );
      case 'appliance list':
      case 'vm provision':
      case 'iso upload':
      case 'iso quota':
        return await provisioningCommand(
          fleet,
          inventory,
          dataDir,
          `${noun} ${verb}`,
          rest,
          values,
          io,
        );
      case 'image register':
      case 'image list':
      case 'image deploy':
      case 'image check-url':
      case 'image remove':
      case 'cert add':
      case 'cert list':
      case 'cert remove':
        return await urlTemplateCommand(
          fleet,
          inventory,
          dataDir,
          `${noun} ${verb}`,
          rest,
          values,
          io,
        );
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
      err instanceof HostKeyRejectedError ||
      err instanceof NotSupportedError;
    if (err instanceof UsageError) io.err(USAGE);
    return refused ? 2 : 1;
  } finally {
    fleet?.close();
    inventory?.close();
  }
}

/** KEY=VALUE pairs of --param; a key given twice is refused. */
function parseParams(pairs: string[] = []): Record<string, string> {
  const params: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param needs KEY=VALUE, got ${JSON.stringify(pair)}.`);
    const key = pair.slice(0, eq);
    if (Object.hasOwn(params, key)) throw new UsageError(`--param ${key} is given twice.`);
    params[key] = pair.slice(eq + 1);
  }
  return params;
}

/** The image store and provisioning commands: appliance list, vm provision, iso upload|quota. */
async function provisioningCommand(
  fleet: FleetService,
  inventory: Inventory,
  dataDir: string,
  command: string,
  args: string[],
  values: { [key: string]: unknown; json?: boolean; param?: string[] },
  io: Io,
): Promise<number> {
  const json = values.json === true;
  const imageCache = values['image-cache'];
  const poolDir = values['pool-dir'];
  const sharedPool = values['shared-pool'];
  const { store, checksums, service } = fleetProvisioning(
    fleet,
    dataDir,
    typeof imageCache === 'string' ? { imageCache } : DEFAULT_HOST_PATHS,
    {
      templates: fleetUrlTemplates(fleet, inventory, dataDir),
      templatePool: (host) =>
        sharedTemplatePool(
          inventory,
          host,
          typeof poolDir === 'string' ? poolDir : undefined,
          typeof sharedPool === 'string' ? sharedPool : undefined,
        ),
    },
  );
  const isoSettings = new IsoSettingsFile(join(dataDir, 'iso-settings.json'));
  if (command === 'appliance list') {
    const rows = store.list().map((a) => ({
      name: a.name,
      description: a.description,
      os: a.os,
      platform: a.platform,
      sizeMiB: Math.ceil(a.sizeBytes / 1024 / 1024),
      customizable: a.customizable,
      built: a.missing.length === 0,
      store: a.storeDir,
    }));
    io.out(
      json ? JSON.stringify(rows) : table(rows, ['name', 'os', 'sizeMiB', 'built', 'description']),
    );
    return 0;
  }
  if (command === 'vm provision') {
    const [appliance] = args;
    const template = values.template;
    if (typeof template === 'string' ? appliance : !appliance)
      throw new UsageError('vm provision needs an APPLIANCE or --template NAME (one of them).');
    if (typeof values.host !== 'string') throw new UsageError('vm provision needs --host H.');
    if (typeof values.name !== 'string') throw new UsageError('vm provision needs --name N.');
    // Everything is checked here, before the task starts or anything runs on the host.
    const { task, result } = service.provision({
      ...(typeof template === 'string' ? { template } : { appliance: appliance! }),
      host: values.host,
      name: values.name,
      params: parseParams(values.param),
      start: values.start === true,
    });
    const error: unknown = await result.then(
      () => null,
      (err: unknown) => err,
    );
    const outcome = printTaskOutcome(fleet.task(task.id).task, io, json);
    // Refused by the host checks (no space, name taken, no such bridge): nothing was made.
    return error instanceof InvalidInputError ? 2 : outcome;
  }
  if (command === 'iso quota') {
    const [host, mib] = args;
    if (!host || !mib || !/^\d+$/.test(mib)) throw new UsageError('iso quota needs HOST and MIB.');
    fleet.host(host);
    const dir = values['iso-dir'];
    const settings = isoSettings.set(host, {
      quotaMiB: Number(mib),
      ...(typeof dir === 'string' ? { dir } : {}),
    });
    io.out(
      json
        ? JSON.stringify(settings)
        : `${host}: ISO folder ${settings.dir}, quota ${settings.quotaMiB} MiB.`,
    );
    return 0;
  }
  // iso upload
  const [host, file] = args;
  if (!host || !file) throw new UsageError('iso upload needs HOST and FILE.');
  const target = fleet.host(host);
  checkIsoFile(file);
  const prefix = target.useSudo ? ['sudo', '-n'] : [];
  const { task, result } = fleet.tasks.run('iso.upload', `${host}:${file}`, async (ctx) =>
    uploadIso(
      ctx,
      ctx.record(await fleet.connections.get(host)),
      file,
      isoSettings.get(host),
      checksums,
      prefix,
    ),
  );
  try {
    const path = await result;
    if (!json) io.out(`Uploaded to ${host}:${path} (task ${task.id}).`);
    else io.out(JSON.stringify({ ...fleet.task(task.id).task, path }));
    return 0;
  } catch (err) {
    if (err instanceof IsoQuotaError) throw err;
    return printTaskOutcome(fleet.task(task.id).task, io, json);
  }
}

/** Templates and ISOs by URL: image register|deploy|list|check-url|remove, cert add|list|remove. */
async function urlTemplateCommand(
  fleet: FleetService,
  inventory: Inventory,
  dataDir: string,
  command: string,
  args: string[],
  values: { [key: string]: unknown; json?: boolean; header?: string[] },
  io: Io,
): Promise<number> {
  const json = values.json === true;
  const text = (name: string) => {
    const v = values[name];
    return typeof v === 'string' ? v : undefined;
  };
  const hypervisor = text('hypervisor');
  if (hypervisor !== undefined && !HYPERVISORS.includes(hypervisor as Hypervisor)) {
    throw new UsageError(`--hypervisor must be kvm or xen, not ${hypervisor}.`);
  }
  const service = fleetUrlTemplates(fleet, inventory, dataDir);
  const [name] = args;
  switch (command) {
    case 'image register': {
      if (!name) throw new UsageError('image register needs a NAME.');
      const url = text('url');
      if (!url) throw new UsageError('image register needs --url URL.');
      const format = text('format');
      const checksum = text('checksum');
      const os = text('os');
      const clientCertificate = text('client-cert');
      const t = await service.register({
        name,
        url,
        ...(format ? { format: format as TemplateFormat } : {}),
        ...(checksum ? { checksum } : {}),
        ...(os ? { os } : {}),
        ...(hypervisor ? { hypervisor: hypervisor as Hypervisor } : {}),
        headers: values.header ?? [],
        directDownload: values['direct-download'] === true,
        ...(clientCertificate ? { clientCertificate } : {}),
      });
      io.out(
        json
          ? // Header values may carry tokens: names only.
            JSON.stringify({ ...t, headers: t.headerNames })
          : `Registered ${t.name}: ${t.downloadState}, ${t.state}${t.size ? `, ${t.size} bytes` : ''}.`,
      );
      return 0;
    }
    case 'image list': {
      const rows = service.list().map((t) => ({
        ...t,
        checksum: t.checksum
          ? `${t.checksum.algorithm}:${t.checksum.hex.slice(0, 12)}…`
          : undefined,
        headers: t.headerNames,
        pools: t.pools.map((p) => p.pool),
      }));
      io.out(
        json
          ? JSON.stringify(rows)
          : table(rows, [
              'name',
              'format',
              'hypervisor',
              'downloadState',
              'state',
              'size',
              'url',
              'pools',
            ]),
      );
      return 0;
    }
    case 'image deploy': {
      const host = text('host');
      const poolDir = text('pool-dir');
      if (!name || !host || !poolDir) {
        throw new UsageError('image deploy needs NAME, --host H and --pool-dir HOST_DIR.');
      }
      const pool = sharedTemplatePool(inventory, fleet.host(host), poolDir, text('shared-pool'));
      const { task, result } = service.deployAsTask(fleet.tasks, {
        template: name,
        pool: pool.pool,
        poolDir,
        hosts: pool.hosts,
      });
      const r = await result.catch(() => undefined);
      if (r && !json) {
        io.out(
          `${name} is at ${host}:${r.path}${r.downloaded ? '' : ' (reused)'} (task ${task.id}).`,
        );
        return 0;
      }
      return printTaskOutcome(fleet.task(task.id).task, io, json);
    }
    case 'image remove': {
      if (!name) throw new UsageError('image remove needs a NAME.');
      // The summary, not get(): that would need the header values, so the passphrase, first.
      const summary = service.list().find((t) => t.name === name);
      if (!summary) throw new UsageError(`No template or ISO named ${JSON.stringify(name)}.`);
      if (values.yes !== true) {
        if (!io.interactive)
          throw new UsageError(`Removing ${name} needs --yes when there is no terminal to ask.`);
        if (!/^y(es)?$/i.test((await ask(io, `Remove ${name}? [y/N] `)).trim())) return 2;
      }
      // Its header values leave the secret store with it: unlocked only when it has some.
      if (summary.headerNames.length) await unlockForHeaders(inventory.db, true);
      const { leftOnPools } = service.remove(name);
      if (json) io.out(JSON.stringify({ removed: name, leftOnPools }));
      else {
        io.out(`Removed ${name}.`);
        for (const copy of leftOnPools)
          io.out(`  its copy stays on ${copy.pool}: ${copy.path} (VMs may use it)`);
      }
      return 0;
    }
    case 'image check-url': {
      if (!name) throw new UsageError('image check-url needs a URL.');
      const r = await service.checkUrl(
        name,
        values.header ?? [],
        hypervisor as Hypervisor | undefined,
      );
      if (json) io.out(JSON.stringify(r));
      else {
        io.out(`Checked from ${r.host}:`);
        for (const c of r.candidates) {
          io.out(
            `  ${c.ok ? 'ok  ' : 'FAIL'} ${c.url}  ${c.ok ? `${c.size ?? '?'} bytes` : (c.error ?? '')}`,
          );
        }
      }
      return r.reachable ? 0 : 1;
    }
    case 'cert add': {
      if (!name) throw new UsageError('cert add needs a NAME.');
      const [ca, cert, key] = [text('ca'), text('cert'), text('key')];
      if (ca ? cert || key : !(cert && key)) {
        throw new UsageError('cert add needs either --ca FILE, or --cert FILE and --key FILE.');
      }
      const upload = ca
        ? { name, kind: 'ca' as const, pem: readFileSync(ca, 'utf8') }
        : {
            name,
            kind: 'client' as const,
            pem: readFileSync(cert!, 'utf8'),
            keyPem: readFileSync(key!, 'utf8'),
          };
      const { info, failed } = await service.addCertificate(upload);
      if (json) io.out(JSON.stringify({ ...info, failed }));
      else
        io.out(
          `Added ${info.kind} certificate ${info.name} (${info.subject}), valid to ${info.validTo}.`,
        );
      for (const f of failed) io.err(`Not installed on ${f}`);
      return failed.length ? 1 : 0;
    }
    case 'cert list': {
      const rows = service.listCertificates();
      io.out(
        json
          ? JSON.stringify(rows)
          : table(
              rows.map((r) => ({ ...r })),
              ['name', 'kind', 'subject', 'validTo'],
            ),
      );
      return 0;
    }
    default: {
      if (!name) throw new UsageError('cert remove needs a NAME.');
      const { failed } = await service.removeCertificate(name);
      if (!json) io.out(`Removed ${name}.`);
      for (const f of failed) io.err(`Not removed from ${f}`);
      return failed.length ? 1 : 0;
    }
  }
}
