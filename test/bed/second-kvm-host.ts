// A second KVM host on this machine, for migration: its own libvirtd and virtlogd (own host
// UUID, configuration, run and state folders) and its own sshd, in their own mount, PID, network
// and UTS namespaces, reached over a veth pair at an address of its own. A folder under /tmp has
// the same path for both hosts: it stands for shared storage. Started only when a selected test
// needs it (test/run.ts), stopped by the PID of its namespace's init, never by name.
// See ../../../shared/recipes/second-kvm-host/ for the verified recipe this follows.
import { spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isAlive, mustRun, runLocal, waitFor } from './process.js';
import type { TestSshdInfo } from './sshd.js';

const here = dirname(fileURLToPath(import.meta.url));

/** What integration tests receive about the second host. */
export interface SecondKvmHostInfo {
  /** Its address on the veth pair; the first host (this machine) is `peerAddress`. */
  address: string;
  peerAddress: string;
  port: 22;
  username: 'root';
  /** The root-namespace PID of the namespace's init; stopping it ends everything inside. */
  pid: number;
  hostname: string;
  /** libvirt's host UUID of this daemon (the first host's differs). */
  hostUuid: string;
  hostKeyFingerprint: string;
  hostPublicKey: string;
  /** The test bed sshd's client key logs in here too. */
  clientKeyPath: string;
  /** Seen at this same path by both hosts. */
  sharedDir: string;
  /** The host side of the veth pair: a test cuts the second host off by taking it down. */
  hostInterface: string;
  dir: string;
}

export interface SecondKvmHostUnavailable {
  unavailable: string;
}

const HOST_UUID = '5a1e0002-c0a7-4e51-9a5e-00000000000b';
const SUBNET_PREFIX = '10.252.0';

/** The Debian packaging's owners and modes for libvirt's state folders. */
async function makeLibvirtFolders(dir: string): Promise<void> {
  for (const sub of ['run', 'log/qemu', 'cache/qemu/capabilities', 'lib/boot', 'lib/images']) {
    mkdirSync(join(dir, sub), { recursive: true });
  }
  const qemu = ['channel/target', 'snapshot', 'dump', 'checkpoint', 'nvram', 'save', 'ram'];
  for (const sub of qemu) mkdirSync(join(dir, 'lib', 'qemu', sub), { recursive: true });
  await mustRun('chown', ['-R', 'libvirt-qemu:libvirt-qemu', join(dir, 'lib', 'qemu')]);
  await mustRun('chmod', ['750', join(dir, 'lib/qemu'), join(dir, 'lib/qemu/channel')]);
  await mustRun('chmod', ['711', join(dir, 'lib/boot'), join(dir, 'lib/images')]);
  mkdirSync(join(dir, 'root', '.ssh'), { recursive: true, mode: 0o700 });
}

/** A copy of /etc/libvirt without the machine's domains, networks, secrets and hooks. */
function writeLibvirtConfig(dir: string): void {
  const etc = join(dir, 'etc');
  cpSync('/etc/libvirt', etc, { recursive: true });
  for (const sub of ['qemu/autostart', 'qemu/networks/autostart', 'secrets', 'hooks', 'storage']) {
    rmSync(join(etc, sub), { recursive: true, force: true });
  }
  for (const sub of ['qemu/autostart', 'qemu/networks/autostart', 'secrets', 'storage']) {
    mkdirSync(join(etc, sub), { recursive: true });
  }
  // The domains the machine's daemon has defined are not this host's.
  for (const file of readdirSync(join(etc, 'qemu'))) {
    if (file.endsWith('.xml')) rmSync(join(etc, 'qemu', file));
  }
  const append = (file: string, key: string, line: string) => {
    const path = join(etc, file);
    const kept = readFileSync(path, 'utf8')
      .split('\n')
      .filter((l) => !new RegExp(`^\\s*${key}\\s*=`).test(l));
    writeFileSync(path, [...kept, line, ''].join('\n'));
  };
  // Without DMI data each daemon would pick a random UUID per start; two equal ones are refused.
  append('libvirtd.conf', 'host_uuid', `host_uuid = "${HOST_UUID}"`);
  // The cgroup filesystem is shared: both daemons would name VM cgroups machine/qemu-<id>-<name>.
  append('qemu.conf', 'cgroup_controllers', 'cgroup_controllers = [ ]');
}

async function writeSsh(dir: string, address: string, sshd: TestSshdInfo) {
  const hostKey = join(dir, 'host_ed25519');
  await mustRun('ssh-keygen', [
    '-q',
    '-t',
    'ed25519',
    '-N',
    '',
    '-C',
    'second-kvm-host',
    '-f',
    hostKey,
  ]);
  const authorized = join(dir, 'root', '.ssh', 'authorized_keys');
  writeFileSync(authorized, readFileSync(join(sshd.dir, 'authorized_keys')), { mode: 0o600 });
  writeFileSync(
    join(dir, 'sshd_config'),
    [
      `ListenAddress ${address}:22`,
      `HostKey ${hostKey}`,
      'PidFile /run/libvirt/sshd.pid',
      'AuthorizedKeysFile .ssh/authorized_keys',
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      'Subsystem sftp internal-sftp',
      'LogLevel VERBOSE',
      '',
    ].join('\n'),
  );
  await mustRun('/usr/sbin/sshd', ['-t', '-f', join(dir, 'sshd_config')]);
  const fingerprint = (
    await mustRun('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${hostKey}.pub`])
  ).split(' ')[1]!;
  return { fingerprint, publicKey: readFileSync(`${hostKey}.pub`, 'utf8').trim() };
}

/** Starts the second host in `dir` (created); `prefix` names its shared folder. */
export async function startSecondKvmHost(
  dir: string,
  prefix: string,
  sshd: TestSshdInfo,
  log: (line: string) => void,
): Promise<SecondKvmHostInfo> {
  const started = Date.now();
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  await makeLibvirtFolders(dir);
  writeLibvirtConfig(dir);
  const address = `${SUBNET_PREFIX}.2`;
  const peerAddress = `${SUBNET_PREFIX}.1`;
  const keys = await writeSsh(dir, address, sshd);
  // Interface names carry this run's PID (at most 15 characters), so a stale pair is told apart.
  const hostInterface = `cvm${process.pid}a`;
  const innerInterface = `cvm${process.pid}b`;
  const hostname = 'convirt-second-kvm';
  const init = spawn(
    'unshare',
    [
      '--mount',
      '--pid',
      '--net',
      '--uts',
      '--fork',
      '--mount-proc',
      'bash',
      join(here, 'second-kvm-host', 'init.sh'),
      dir,
      `${address}/30`,
      innerInterface,
      hostname,
    ],
    { stdio: ['ignore', 'ignore', 'ignore'], detached: true },
  );
  init.unref();
  const unsharePid = init.pid!;
  // unshare forks the namespace's init (PID 1 inside): the one to signal when stopping.
  const pid = await waitFor(
    'the second host namespace',
    () => {
      const children = `/proc/${unsharePid}/task/${unsharePid}/children`;
      const child = existsSync(children) ? Number(readFileSync(children, 'utf8').trim()) : 0;
      return child > 0 ? child : undefined;
    },
    10_000,
    50,
  );
  writeFileSync(join(dir, 'init.pid'), `${pid}\n`);
  try {
    await mustRun('ip', [
      'link',
      'add',
      hostInterface,
      'type',
      'veth',
      'peer',
      'name',
      innerInterface,
      'netns',
      String(pid),
    ]);
    await mustRun('ip', ['addr', 'add', `${peerAddress}/30`, 'dev', hostInterface]);
    await mustRun('ip', ['link', 'set', hostInterface, 'up']);
    await waitFor(
      'the second host to start libvirtd and sshd',
      () => (existsSync(join(dir, 'ready')) ? true : !isAlive(pid) ? false : undefined),
      30_000,
    ).then((up) => {
      if (!up) throw new Error(`the second host's init ended; see ${dir}`);
    });
    await waitFor(
      'the second host libvirtd to answer',
      async () =>
        (
          await runLocal('nsenter', [
            '-t',
            String(pid),
            '-m',
            '-p',
            '--',
            'virsh',
            '-c',
            'qemu:///system',
            'version',
          ])
        ).code === 0
          ? true
          : undefined,
      60_000,
      200,
    );
  } catch (err) {
    stopSecondKvmHost(pid, hostInterface);
    throw err;
  }
  const sharedDir = join(tmpdir(), `${prefix}shared`);
  mkdirSync(sharedDir, { recursive: true, mode: 0o755 });
  log(
    `second KVM host ${hostname} at ${address} up in ${((Date.now() - started) / 1000).toFixed(1)} s; shared storage ${sharedDir}`,
  );
  return {
    address,
    peerAddress,
    port: 22,
    username: 'root',
    pid,
    hostname,
    hostUuid: HOST_UUID,
    hostKeyFingerprint: keys.fingerprint,
    hostPublicKey: keys.publicKey,
    clientKeyPath: sshd.clientKeyPath,
    sharedDir,
    hostInterface,
    dir,
  };
}

/** The same, or why not (the migration tests fail with that reason). */
export function startSecondKvmHostOrReason(
  ...args: Parameters<typeof startSecondKvmHost>
): Promise<SecondKvmHostInfo | SecondKvmHostUnavailable> {
  return startSecondKvmHost(...args).catch((err: unknown) => ({
    unavailable: `the second KVM host did not start: ${(err as Error).message}`,
  }));
}

/**
 * Ends the second host: its init's exit makes the kernel kill everything in its PID namespace
 * (libvirtd, its QEMUs, sshd), and the network namespace goes with the veth pair.
 */
export function stopSecondKvmHost(pid: number, hostInterface?: string): void {
  if (isAlive(pid)) process.kill(pid, 'SIGTERM');
  if (hostInterface) void runLocal('ip', ['link', 'del', hostInterface]);
}
