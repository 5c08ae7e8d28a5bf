// The tiny VM of the test bed, defined on a host by the project's own code: a qcow2 overlay of
// the fixture's data disk and a domain XML from buildDomainXml (guest agent channel included).
import { buildDomainXml } from '../../app/main/hypervisors/kvm/domain-xml.js';
import { KvmDriver } from '../../app/main/hypervisors/kvm/kvm-driver.js';
import type { RemoteShell } from '../../app/main/ssh/ssh-connection.js';
import type { TestbedInfo } from '../bed/testbed.js';

export interface TinyVmOptions {
  /** A VNC display on the host's loopback (autoport), for graphical console tests. */
  graphics?: boolean;
}

/** Creates the VM's disk and defines it (shut off). Returns the disk's path. */
export async function defineTinyVm(
  ssh: RemoteShell,
  bed: TestbedInfo,
  name: string,
  hostname = 'tiny',
  options: TinyVmOptions = {},
): Promise<string> {
  const disk = `${bed.imagesDir}/${name}.qcow2`;
  const base = bed.tinyVm.dataDisk;
  await ssh.run(['qemu-img', 'create', '-q', '-f', 'qcow2', '-b', base, '-F', 'qcow2', disk]);
  const xml = buildDomainXml({
    name,
    memoryMiB: 128,
    vcpus: 1,
    virtType: 'qemu',
    boot: {
      kind: 'kernel',
      kernel: bed.tinyVm.kernel,
      initrd: bed.tinyVm.initrd,
      cmdline: `console=ttyS0 convirt.hostname=${hostname}`,
    },
    disks: [{ path: disk, format: 'qcow2', target: 'vda' }],
    interfaces: [{ type: 'user' }],
    ...(options.graphics ? { graphics: true } : {}),
  });
  await new KvmDriver(ssh).define(xml);
  return disk;
}

/** Forces the VM off if it runs and undefines it; nothing when it does not exist (cleanup). */
export async function removeVm(virsh: KvmDriver, name: string): Promise<void> {
  if (!(await virsh.exists(name))) return;
  if ((await virsh.state(name)) !== 'shutoff') await virsh.destroy(name);
  await virsh.undefine(name);
}
