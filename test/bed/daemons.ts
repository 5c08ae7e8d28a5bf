// virtlogd and libvirtd, started when not running (there is no systemd on these machines).
import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs';
import { isAlive, mustRun, runLocal, waitFor } from './process.js';

interface Daemon {
  name: 'virtlogd' | 'libvirtd';
  pidFile: string;
  socket: string;
}

const DAEMONS: Daemon[] = [
  // libvirtd needs virtlogd for every domain start, so virtlogd comes first.
  { name: 'virtlogd', pidFile: '/run/virtlogd.pid', socket: '/run/libvirt/virtlogd-sock' },
  { name: 'libvirtd', pidFile: '/run/libvirtd.pid', socket: '/run/libvirt/libvirt-sock' },
];
const LIBVIRTD = DAEMONS[1]!;

function runningPid(daemon: Daemon): number | undefined {
  if (!existsSync(daemon.pidFile)) return undefined;
  const pid = Number(readFileSync(daemon.pidFile, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
}

/**
 * Some machines have a /dev/kvm that only root may open (0600) while KVM itself does not work.
 * libvirt then probes QEMU as root (KVM found) but checks its cache as the QEMU user (KVM not
 * usable), so it throws its capability cache away and re-probes QEMU, 10 to 30 s, on every
 * define, start or capabilities call. Debian's udev rule gives /dev/kvm root:kvm 0660; restoring
 * that keeps the cache valid. Test domains use type='qemu' (software emulation) either way.
 */
async function alignKvmDevice(log: (line: string) => void): Promise<void> {
  if (!existsSync('/dev/kvm')) return;
  if ((statSync('/dev/kvm').mode & 0o060) === 0o060) return;
  const hasKvmGroup = (await runLocal('getent', ['group', 'kvm'])).code === 0;
  if (!hasKvmGroup) return;
  log(
    'giving /dev/kvm the udev default (root:kvm 0660) so libvirt keeps its QEMU capability cache',
  );
  await mustRun('chgrp', ['kvm', '/dev/kvm']);
  chmodSync('/dev/kvm', 0o660);
}

export interface StartedDaemon {
  name: string;
  pid: number;
}

/** Starts the daemons that are not running; returns the ones this call started. */
export async function ensureLibvirtDaemons(log: (line: string) => void): Promise<StartedDaemon[]> {
  if (process.getuid?.() !== 0) {
    const probe = await runLocal('virsh', ['-c', 'qemu:///system', 'version']).catch(() => null);
    if (probe?.code === 0) return [];
    throw new Error('libvirtd is not running and only root can start it: run the tests as root.');
  }
  await alignKvmDevice(log);
  const started: StartedDaemon[] = [];
  for (const daemon of DAEMONS) {
    if (runningPid(daemon) !== undefined) continue;
    log(`starting ${daemon.name}`);
    await mustRun(daemon.name, ['-d']);
    const pid = await waitFor(`${daemon.name} to start`, () => runningPid(daemon), 15_000);
    await waitFor(`${daemon.socket}`, () => (existsSync(daemon.socket) ? true : undefined), 15_000);
    started.push({ name: daemon.name, pid });
  }
  await waitFor(
    'libvirtd to answer',
    async () =>
      (await runLocal('virsh', ['-c', 'qemu:///system', 'version'])).code === 0 ? true : undefined,
    15_000,
    200,
  );
  return started;
}

/**
 * Stops libvirtd as a service stop does (SIGTERM: running domains go on) and waits until it is
 * gone; ensureLibvirtDaemons starts it again, same config and sockets. For the fault tests.
 */
export async function stopLibvirtd(): Promise<void> {
  const pid = runningPid(LIBVIRTD);
  if (pid === undefined) return;
  process.kill(pid, 'SIGTERM');
  await waitFor('libvirtd to exit', () => (isAlive(pid) ? undefined : true), 30_000);
}

export function stopDaemons(daemons: StartedDaemon[]): void {
  for (const d of [...daemons].reverse()) {
    // A fault test may have restarted it since: its PID file names the one running now.
    const daemon = DAEMONS.find((known) => known.name === d.name);
    const pid = (daemon && runningPid(daemon)) ?? d.pid;
    if (isAlive(pid)) process.kill(pid, 'SIGTERM');
  }
}
