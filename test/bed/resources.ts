// Names of everything the test bed creates carry `cvtest-<pid>-`, the pid of the run that made
// them, so an aborted run's leftovers can be told apart from a live parallel run's and removed.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive, runLocal } from './process.js';

export const PREFIX = 'cvtest-';
export const IMAGES_DIR = '/var/lib/libvirt/images';
const OWNED = /^cvtest-(\d+)-/;

export function runPrefix(pid = process.pid): string {
  return `${PREFIX}${pid}-`;
}

function ownerPid(name: string): number | undefined {
  const m = OWNED.exec(name);
  return m ? Number(m[1]) : undefined;
}

async function virsh(...args: string[]) {
  return runLocal('virsh', ['-q', '-c', 'qemu:///system', ...args]);
}

/** Destroys and undefines this test bed's domains whose names match `select`. */
export async function removeDomains(select: (name: string) => boolean): Promise<string[]> {
  const list = await virsh('list', '--all', '--name');
  if (list.code !== 0) return [];
  const removed: string[] = [];
  for (const name of list.stdout.split('\n').map((s) => s.trim())) {
    if (!name.startsWith(PREFIX) || !select(name)) continue;
    await virsh('destroy', name);
    await virsh('undefine', name, '--snapshots-metadata', '--nvram');
    removed.push(name);
  }
  return removed;
}

function removeFiles(dir: string, select: (name: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  const removed: string[] = [];
  for (const name of readdirSync(dir)) {
    if (!name.startsWith(PREFIX) || !select(name)) continue;
    const path = join(dir, name);
    // A leftover sshd, nginx or emulated Xen host (QEMU) or second KVM host of a dead run is stopped by the PID it
    // wrote, never by name matching.
    const pidFiles = [
      join(path, 'sshd.pid'),
      join(path, 'sshd', 'sshd.pid'),
      join(path, 'nginx', 'nginx.pid'),
      join(path, 'xen-host', 'qemu.pid'),
      join(path, 'xen-host-2', 'qemu.pid'),
      // The second KVM host's namespace init: everything in its namespaces ends with it.
      join(path, 'second-kvm-host', 'init.pid'),
    ];
    for (const pidFile of pidFiles) {
      if (!existsSync(pidFile)) continue;
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      if (pid > 0 && isAlive(pid)) process.kill(pid, 'SIGTERM');
    }
    rmSync(path, { recursive: true, force: true });
    removed.push(path);
  }
  return removed;
}

/** Everything left behind by runs whose process no longer exists. */
export async function removeStale(): Promise<string[]> {
  const dead = (name: string) => {
    const pid = ownerPid(name);
    return pid !== undefined && !isAlive(pid);
  };
  return [
    ...(await removeDomains(dead)),
    ...removeFiles(IMAGES_DIR, dead),
    ...removeFiles(tmpdir(), dead),
  ];
}

/** Everything this run (prefix) created. */
export async function removeRun(prefix: string): Promise<string[]> {
  const mine = (name: string) => name.startsWith(prefix);
  return [
    ...(await removeDomains(mine)),
    ...removeFiles(IMAGES_DIR, mine),
    ...removeFiles(tmpdir(), mine),
  ];
}
