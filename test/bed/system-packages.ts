// The Debian packages the test bed needs, installed when missing (as root or with sudo).
import { mustRun, runLocal } from './process.js';

export const REQUIRED_PACKAGES = [
  'openssh-server', // the test bed's own sshd
  'openssh-client', // ssh-keygen, and scp for transfer benchmarks
  'libvirt-daemon-system', // libvirtd, virtlogd
  'libvirt-clients', // virsh
  'qemu-system-x86', // the tiny VMs (software emulation)
  'qemu-utils', // qemu-img
  'busybox-static', // tiny VM userland
  'cpio', // tiny VM initramfs
  'e2fsprogs', // mkfs.ext4 -d for VM data disks
  'nginx', // HTTP/HTTPS downloads
  'curl', // host-side downloads of templates and ISOs
  'openssl', // test certificates, hashes on hosts, password hashes in tests
  'iproute2', // bridges the provisioning tests create
  'chromium', // end-to-end UI tests
  'sudo', // non-root logins that use `sudo -n` for privileged commands
  'mmdebstrap', // the Debian cloud image built from packages (cloud-image/build.sh)
  'grub-pc-bin', // its boot loader, written into the image without a loop device
  'fdisk', // sfdisk: its partition table
  'genisoimage', // cloud-init NoCloud seeds made on the host
  'rpm', // rpmbuild and rpm for the Fedora and SUSE packages (test/integration/packaging.test.ts)
] as const;

async function isInstalled(pkg: string): Promise<boolean> {
  const r = await runLocal('dpkg-query', ['-W', '-f=${Status}', pkg]);
  return r.code === 0 && r.stdout.includes('install ok installed');
}

export async function missingPackages(): Promise<string[]> {
  const missing: string[] = [];
  for (const pkg of REQUIRED_PACKAGES) if (!(await isInstalled(pkg))) missing.push(pkg);
  return missing;
}

async function canSudo(): Promise<boolean> {
  return (await runLocal('sudo', ['-n', 'true']).catch(() => ({ code: 1 }))).code === 0;
}

/** Installs what is missing, or fails with the exact list and command to run. */
export async function ensureSystemPackages(log: (line: string) => void): Promise<void> {
  const missing = await missingPackages();
  if (missing.length === 0) return;
  const asRoot = process.getuid?.() === 0;
  if (!asRoot && !(await canSudo())) {
    throw new Error(
      `The test bed needs these Debian packages, which are not installed: ${missing.join(' ')}\n` +
        `Install them (as root): apt-get install --no-install-recommends ${missing.join(' ')}\n` +
        'or run the tests as root or with passwordless sudo so they install themselves.',
    );
  }
  const [cmd, args] = asRoot ? ['apt-get', []] : ['sudo', ['-n', 'apt-get']];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  log(`installing Debian packages: ${missing.join(' ')}`);
  await mustRun(cmd, [...args, 'update', '-qq'], { env });
  await mustRun(cmd, [...args, 'install', '-y', '-qq', '--no-install-recommends', ...missing], {
    env,
  });
}
