// The emulated Xen host of the test bed: Xen 4.17 under QEMU's software emulation, a PV dom0
// with the xl toolstack and sshd (reached through a forwarded loopback port), a xenbr0 bridge
// and a PV guest kernel and initramfs. build.sh makes and caches the images; this module adds
// the run's own ssh keys, boots it in the background, waits until `xl list` answers over SSH,
// and stops it by its PID.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir } from '../cache-dir.js';
import { isAlive, mustRun, runLocal, waitFor } from '../process.js';
import { runPrefix } from '../resources.js';
import { freeLoopbackPort } from '../sshd.js';
import { newcArchive, writeInitramfsWithOverlay } from './initramfs.js';

const here = dirname(fileURLToPath(import.meta.url));

/** What build.sh writes to its manifest.json. */
export interface XenHostImages {
  xen: string;
  kernel: string;
  initrd: string;
  kernelVersion: string;
  xenPackageVersion: string;
  /** Paths INSIDE dom0, for `kernel=` and `ramdisk=` in guests' xl configs. */
  guestKernel: string;
  guestInitrd: string;
  key: string;
}

/** What integration tests receive about a running Xen host. */
export interface XenHostInfo {
  host: '127.0.0.1';
  port: number;
  username: 'root';
  pid: number;
  /** OpenSSH's rendering (`SHA256:...`) of dom0's host key, generated for this run. */
  hostKeyFingerprint: string;
  hostPublicKey: string;
  clientKeyPath: string;
  /** The serial console of Xen and dom0 (QEMU's serial port). */
  consoleLog: string;
  dir: string;
  /** In dom0: where guests' disk files go (a tmpfs of its own), and their bridge. */
  imagesDir: string;
  bridge: string;
  guestKernel: string;
  guestInitrd: string;
  kernelVersion: string;
  xenPackageVersion: string;
  /** From QEMU's start to the first `xl list` that answered over SSH. */
  secondsToFirstXlList: number;
  /** QEMU's resident memory then (VmRSS), in MiB. */
  qemuRssMiB: number | null;
}

/** Which of the test bed's Xen hosts: the QEMU process's name and log lines tell them apart. */
export interface XenHostRole {
  /** Appended to QEMU's -name (`xen`, `xen-2`). */
  suffix: string;
  /** How log lines name it. */
  label: string;
}

export const FIRST_XEN_HOST: XenHostRole = { suffix: '', label: 'Xen host' };
/** The migration target of the Xen migration tests. */
export const SECOND_XEN_HOST: XenHostRole = { suffix: '-2', label: 'second Xen host' };

/** A Xen host that could not be had, and why, in words for the test that needs it. */
export interface XenHostUnavailable {
  unavailable: string;
}

export const XEN_IMAGES_DIR = '/var/lib/xen/images';
export const XEN_BRIDGE = 'xenbr0';

// Modest on purpose: the machine's cores are shared. Two vCPUs so guests can have two.
const MEMORY_MIB = 1280;
const DOM0_MEMORY_MIB = 512;
const XEN_CMDLINE = [
  'console=com1',
  'com1=115200,8n1',
  `dom0_mem=${DOM0_MEMORY_MIB}M,max:${DOM0_MEMORY_MIB}M`,
  'dom0_max_vcpus=1',
  // Under -cpu max, dom0 crashes at once without these.
  'smap=false',
  'smep=false',
  // Restores each vCPU's FPU registers at every switch. With Xen's lazy switching (its default
  // on this emulated CPU), dom0 computed wrong results while a guest booted: about one SSH
  // handshake to dom0 in seven failed, none with this (docs/testing.md).
  'spec-ctrl=eager-fpu',
].join(' ');

function bootTimeoutMs(): number {
  const fromEnv = Number(process.env.CONVIRT_XEN_BOOT_TIMEOUT_S);
  return (Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : 300) * 1000;
}

/** Builds the images once; later calls return the cached copy. */
export async function ensureXenHostImages(log: (line: string) => void): Promise<XenHostImages> {
  const dir = join(cacheDir(), 'xen-host');
  const out = await mustRun('bash', [join(here, 'build.sh'), dir]);
  if (out.trim()) log(out.trim());
  return JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as XenHostImages;
}

async function keygen(path: string): Promise<void> {
  await mustRun('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'convirt-xen', '-f', path]);
}

/** An uncompressed cpio archive of this run's sshd host key and authorized client key. */
export function dom0KeysOverlay(hostKey: string, clientPub: string): Buffer {
  return newcArchive([
    { path: 'etc', mode: 0o755, directory: true },
    { path: 'etc/ssh', mode: 0o755, directory: true },
    { path: 'etc/ssh/ssh_host_ed25519_key', mode: 0o600, data: readFileSync(hostKey) },
    { path: 'etc/ssh/ssh_host_ed25519_key.pub', mode: 0o644, data: readFileSync(`${hostKey}.pub`) },
    { path: 'root', mode: 0o700, directory: true },
    { path: 'root/.ssh', mode: 0o700, directory: true },
    { path: 'root/.ssh/authorized_keys', mode: 0o600, data: readFileSync(clientPub) },
  ]);
}

/** The cached dom0 initramfs with the keys after it (the kernel unpacks one after the other). */
function initrdWithKeys(images: XenHostImages, dir: string, hostKey: string, clientPub: string) {
  const initrd = join(dir, 'dom0-initrd.gz');
  writeInitramfsWithOverlay(images.initrd, dom0KeysOverlay(hostKey, clientPub), initrd);
  return initrd;
}

/** Lines of dom0's serial console after which it will never answer over SSH. */
const DOM0_BOOT_FAILURES = [
  /Initramfs unpacking failed: .*/,
  /Kernel panic - not syncing: .*/,
  /xen-dom0: no host key: sshd not started/,
  /xen-dom0: sshd failed/,
];

/** The console line that says dom0's boot has failed, if there is one. */
export function dom0BootFailure(consoleText: string): string | undefined {
  for (const pattern of DOM0_BOOT_FAILURES) {
    const line = pattern.exec(consoleText)?.[0];
    if (line) return line.trim();
  }
  return undefined;
}

function sshArgs(info: Pick<XenHostInfo, 'port' | 'clientKeyPath'>, knownHosts: string) {
  return [
    '-F',
    'none',
    '-o',
    'BatchMode=yes',
    '-o',
    'ConnectTimeout=5',
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    `UserKnownHostsFile=${knownHosts}`,
    '-i',
    info.clientKeyPath,
    '-p',
    String(info.port),
    'root@127.0.0.1',
  ];
}

function tail(path: string, lines = 30): string {
  if (!existsSync(path)) return '(no console output)';
  return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

/** What this machine lacks to run the Xen host, or undefined. */
async function missingTools(): Promise<string | undefined> {
  const missing: string[] = [];
  for (const tool of ['qemu-system-x86_64', 'ssh', 'ssh-keygen', 'cpio', 'apt-get', 'dpkg-deb']) {
    if ((await runLocal('sh', ['-c', 'command -v "$1"', 'sh', tool])).code !== 0) {
      missing.push(tool);
    }
  }
  return missing.length ? `missing on this machine: ${missing.join(', ')}` : undefined;
}

/** A process's resident memory in MiB (Linux's /proc), or null when it cannot be read. */
export function residentMiB(pid: number): number | null {
  try {
    const kib = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kib === undefined ? null : Math.round(Number(kib) / 1024);
  } catch {
    return null;
  }
}

/**
 * Builds (or takes from the cache) and boots the Xen host in `dir`, and waits until `xl list`
 * answers over SSH with the host key verified. Stop it with stopXenHost(info.pid). Each host
 * has its own keys, port and folder, so two (`role`) can run at once.
 */
export async function startXenHost(
  dir: string,
  log: (line: string) => void,
  role: XenHostRole = FIRST_XEN_HOST,
  // Xen reads its options in order, so these override the test bed's (bench:xen-guest-boot).
  extraXenOptions: string[] = [],
): Promise<XenHostInfo> {
  const missing = await missingTools();
  if (missing) throw new Error(missing);
  const images = await ensureXenHostImages(log);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const hostKey = join(dir, 'host_ed25519');
  const clientKey = join(dir, 'client_ed25519');
  await keygen(hostKey);
  await keygen(clientKey);
  const initrd = initrdWithKeys(images, dir, hostKey, `${clientKey}.pub`);
  const hostPublicKey = readFileSync(`${hostKey}.pub`, 'utf8').trim();
  const hostKeyFingerprint = (
    await mustRun('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${hostKey}.pub`])
  ).split(' ')[1]!;
  const consoleLog = join(dir, 'console.log');
  const pidFile = join(dir, 'qemu.pid');
  const port = await freeLoopbackPort();
  const knownHosts = join(dir, 'known_hosts');
  const [keyType, keyBlob] = hostPublicKey.split(' ');
  writeFileSync(knownHosts, `[127.0.0.1]:${port} ${keyType} ${keyBlob}\n`);

  const started = Date.now();
  const qemu = spawn(
    'qemu-system-x86_64',
    [
      ...['-name', `${runPrefix()}xen${role.suffix}`],
      ...['-machine', 'q35', '-cpu', 'max', '-m', String(MEMORY_MIB), '-smp', '2'],
      ...['-display', 'none', '-monitor', 'none', '-no-reboot'],
      ...['-serial', `file:${consoleLog}`, '-pidfile', pidFile],
      ...['-kernel', images.xen, '-append', [XEN_CMDLINE, ...extraXenOptions].join(' ')],
      // Multiboot modules: dom0's kernel with its command line, then its initramfs.
      ...['-initrd', `${images.kernel} console=hvc0 earlyprintk=xen,${initrd}`],
      ...['-nic', `user,model=e1000,hostfwd=tcp:127.0.0.1:${port}-:22`],
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], detached: true },
  );
  let qemuError = '';
  qemu.stderr.on('data', (d: Buffer) => (qemuError += d.toString()));
  qemu.unref();
  const pid = qemu.pid!;
  const info = { port, clientKeyPath: clientKey };
  log(`${role.label}: QEMU ${pid} booting Xen (sshd on 127.0.0.1:${port})`);
  try {
    await waitFor(
      'the Xen host to answer `xl list` over SSH',
      async () => {
        if (!isAlive(pid) || qemu.exitCode !== null) {
          throw new Error(
            `QEMU exited before dom0 answered: ${qemuError.trim() || 'no message'}\n` +
              `Last lines of the serial console:\n${tail(consoleLog)}`,
          );
        }
        // Fails at once rather than after the boot timeout.
        const failure = existsSync(consoleLog)
          ? dom0BootFailure(readFileSync(consoleLog, 'utf8'))
          : undefined;
        if (failure) {
          throw new Error(
            `dom0 failed to boot: ${failure}\nLast lines of the serial console:\n${tail(consoleLog)}`,
          );
        }
        const r = await runLocal('ssh', [...sshArgs(info, knownHosts), 'xl', 'list']);
        return r.code === 0 && r.stdout.includes('Domain-0') ? true : undefined;
      },
      bootTimeoutMs(),
      1000,
    );
  } catch (err) {
    stopXenHost(pid);
    const reason = (err as Error).message;
    throw new Error(
      reason.startsWith('Timed out')
        ? `${reason}. Last lines of the serial console:\n${tail(consoleLog)}`
        : reason,
      { cause: err },
    );
  }
  qemu.stderr.removeAllListeners('data');
  qemu.stderr.destroy();
  const secondsToFirstXlList = (Date.now() - started) / 1000;
  const qemuRssMiB = residentMiB(pid);
  log(
    `${role.label}: first \`xl list\` ${secondsToFirstXlList.toFixed(1)} s after QEMU started (QEMU's RSS ${qemuRssMiB ?? '?'} MiB)`,
  );
  return {
    host: '127.0.0.1',
    port,
    username: 'root',
    pid,
    hostKeyFingerprint,
    hostPublicKey,
    clientKeyPath: clientKey,
    consoleLog,
    dir,
    imagesDir: XEN_IMAGES_DIR,
    bridge: XEN_BRIDGE,
    guestKernel: images.guestKernel,
    guestInitrd: images.guestInitrd,
    kernelVersion: images.kernelVersion,
    xenPackageVersion: images.xenPackageVersion,
    secondsToFirstXlList,
    qemuRssMiB,
  };
}

/** Like startXenHost, but a failure becomes the reason the Xen tests will give. */
export function startXenHostOrReason(
  dir: string,
  log: (line: string) => void,
  role: XenHostRole = FIRST_XEN_HOST,
): Promise<XenHostInfo | XenHostUnavailable> {
  return startXenHost(dir, log, role).catch((err: unknown) => {
    const reason = err instanceof Error ? err.message : String(err);
    log(`${role.label}: not available: ${reason}`);
    return { unavailable: reason };
  });
}

/** Stops QEMU (and with it the whole Xen host). */
export function stopXenHost(pid: number): void {
  if (isAlive(pid)) process.kill(pid, 'SIGTERM');
}
