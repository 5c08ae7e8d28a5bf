// What a Xen integration test uses to reach the emulated Xen host that the test bed booted,
// and the tiny PV guest's xl config (a file-backed disk and a vif on xenbr0).
import { readFileSync } from 'node:fs';
import type { TestbedInfo } from '../bed/testbed.js';
import type { XenHostInfo } from '../bed/xen-host/xen-host.js';
import { pinnedHostKey } from '../../app/main/ssh/host-key.js';
import { SshConnection, type RemoteShell } from '../../app/main/ssh/ssh-connection.js';
import { testbed } from './testbed.js';

/** The running Xen host, or an error that says plainly why there is none. */
export function xenHost(bed: TestbedInfo = testbed()): XenHostInfo {
  const xen = bed.xenHost;
  if ('unavailable' in xen) throw new Error(`No emulated Xen host in this run: ${xen.unavailable}`);
  return xen;
}

/** The second Xen host (booted for Xen migration tests), or why there is none. */
export function secondXenHost(bed: TestbedInfo = testbed()): XenHostInfo {
  const xen = bed.secondXenHost;
  if ('unavailable' in xen)
    throw new Error(`No second emulated Xen host in this run: ${xen.unavailable}`);
  return xen;
}

/** A connection to dom0 as root that trusts exactly the key the test bed generated for it. */
export function connectToXenHost(xen: XenHostInfo): Promise<SshConnection> {
  return SshConnection.connect({
    host: xen.host,
    port: xen.port,
    username: xen.username,
    auth: { privateKey: readFileSync(xen.clientKeyPath) },
    verifyHostKey: pinnedHostKey(xen.hostKeyFingerprint),
  });
}

/** The line the tiny PV guest prints on its console once booted (see xen-host/guest-init). */
export const GUEST_READY = /CONVIRT-XEN-GUEST READY (\S+) disks: (.*)/;

export interface PvGuest {
  name: string;
  config: string;
  disk: string;
}

interface PvGuestOptions {
  memoryMiB?: number;
  maxMemoryMiB?: number;
  vcpus?: number;
  ip?: string;
}

/** The xl config of the tiny PV guest, with `disk` as its one disk when given. */
function pvGuestConfig(xen: XenHostInfo, name: string, options: PvGuestOptions, disk?: string) {
  return [
    `name = "${name}"`,
    'type = "pv"',
    `kernel = "${xen.guestKernel}"`,
    `ramdisk = "${xen.guestInitrd}"`,
    `extra = "console=hvc0 convirt.hostname=${name} convirt.ip=${options.ip ?? '10.99.0.2/24'}"`,
    `memory = ${options.memoryMiB ?? 128}`,
    `maxmem = ${options.maxMemoryMiB ?? 128}`,
    `vcpus = ${options.vcpus ?? 2}`,
    ...(disk ? [`disk = [ "format=raw, vdev=xvda, access=rw, target=${disk}" ]`] : []),
    `vif = [ "bridge=${xen.bridge}" ]`,
    '',
  ].join('\n');
}

const writeConfig = (ssh: RemoteShell, path: string, text: string) =>
  ssh.run(['sh', '-c', 'cat > "$1"', 'sh', path], { stdin: text });

/**
 * Writes /etc/xen/NAME.cfg for a tiny PV guest (the host's guest kernel and initramfs, a 16 MiB
 * file-backed disk, a vif on xenbr0) and creates its disk. Nothing is started.
 */
export async function writePvGuest(
  ssh: RemoteShell,
  xen: XenHostInfo,
  name: string,
  options: PvGuestOptions = {},
): Promise<PvGuest> {
  const disk = `${xen.imagesDir}/${name}.img`;
  const config = `/etc/xen/${name}.cfg`;
  await ssh.run(['truncate', '-s', '16M', disk]);
  await writeConfig(ssh, config, pvGuestConfig(xen, name, options, disk));
  return { name, config, disk };
}

/**
 * The same guest without a disk (it runs from its initramfs): what a live migration between
 * two hosts that share no storage can move. Returns its config file.
 */
export async function writeDisklessPvGuest(
  ssh: RemoteShell,
  xen: XenHostInfo,
  name: string,
  options: PvGuestOptions = {},
): Promise<string> {
  const config = `/etc/xen/${name}.cfg`;
  await writeConfig(ssh, config, pvGuestConfig(xen, name, options));
  return config;
}
