// cloud-init's NoCloud seed for a VM provisioned from a cloud image: meta-data (a new instance id,
// the host name), user-data (`#cloud-config`: the user, their SSH keys and password hash, merged
// over the operator's own user-data) and network-config (version 1: the VM's NIC, found by its
// MAC, with DHCP or a static address). The host makes the `cidata` ISO from them with the tool it
// has (genisoimage, mkisofs or xorriso), next to the VM's disks.
import { randomUUID } from 'node:crypto';
import { dump } from 'js-yaml';
import { parseUserData, type CloudInitRequest } from '../../shared/validation/cloud-init.js';
import { validateHostPath } from '../../shared/validation/names.js';
import type { RemoteShell } from '../ssh/ssh-connection.js';

export type SeedFiles = Record<'meta-data' | 'user-data' | 'network-config', string>;

/** The seed's volume next to the VM's disks. */
export function seedPath(disksDir: string, vmName: string): string {
  return validateHostPath(`${disksDir}/${vmName}-cidata.iso`);
}

/** The three files of the seed, from a validated request. */
export function seedFiles(request: CloudInitRequest, vm: { name: string; mac: string }): SeedFiles {
  const hostname = request.hostname ?? vm.name;
  const config: Record<string, unknown> = request.userData ? parseUserData(request.userData) : {};
  config.hostname = hostname;
  config.manage_etc_hosts = true;
  if (request.user) {
    const user: Record<string, unknown> = {
      name: request.user,
      shell: '/bin/bash',
      sudo: 'ALL=(ALL) NOPASSWD:ALL',
      lock_passwd: !request.passwordHash,
    };
    if (request.passwordHash) user.hashed_passwd = request.passwordHash;
    if (request.sshAuthorizedKeys) user.ssh_authorized_keys = request.sshAuthorizedKeys;
    const theirs = Array.isArray(config.users) ? (config.users as unknown[]) : ['default'];
    config.users = [user, ...theirs];
    if (request.passwordHash) config.ssh_pwauth = true;
  }
  const net = request.network ?? { mode: 'dhcp' };
  const subnet =
    net.mode === 'static'
      ? {
          type: 'static',
          address: net.address,
          ...(net.gateway ? { gateway: net.gateway } : {}),
          ...(net.dns ? { dns_nameservers: net.dns } : {}),
        }
      : { type: 'dhcp' };
  const network = {
    version: 1,
    config: [{ type: 'physical', name: 'eth0', mac_address: vm.mac, subnets: [subnet] }],
  };
  return {
    // A new instance id each time: cloud-init runs its per-instance steps on this VM's first boot.
    'meta-data': dump({ 'instance-id': `${vm.name}-${randomUUID()}`, 'local-hostname': hostname }),
    'user-data': `#cloud-config\n${dump(config, { lineWidth: -1, noRefs: true })}`,
    'network-config': dump(network),
  };
}

// $1: the ISO to make, $2: the folder of the files, then the files. The first ISO tool found.
const MAKE_ISO = `iso=$1; dir=$2; shift 2
for tool in genisoimage mkisofs xorrisofs; do
  if command -v "$tool" >/dev/null 2>&1; then
    cd "$dir" && exec "$tool" -quiet -output "$iso" -volid cidata -joliet -rock "$@"
  fi
done
echo "no genisoimage, mkisofs or xorriso on this host: install one of them to seed cloud-init" >&2
exit 127`;

/**
 * Writes the seed's files into `workDir` (the provisioning's private folder) and makes the ISO at
 * `path`. The files' content goes through standard input only, never a command line.
 */
export async function makeSeed(
  shell: RemoteShell,
  prefix: readonly string[],
  workDir: string,
  path: string,
  files: SeedFiles,
): Promise<void> {
  const dir = `${workDir}/cidata`;
  await shell.run([...prefix, 'mkdir', '-m', '0700', '--', dir]);
  for (const [name, content] of Object.entries(files)) {
    const r = await shell.exec(
      [...prefix, 'sh', '-c', 'umask 077; cat > "$1"', 'sh', `${dir}/${name}`],
      {
        stdin: content,
      },
    );
    if (r.code !== 0) throw new Error(`Writing the cloud-init ${name} failed: ${r.stderr.trim()}`);
  }
  await shell.run([...prefix, 'sh', '-c', MAKE_ISO, 'sh', path, dir, ...Object.keys(files)]);
}
