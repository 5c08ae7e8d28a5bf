// KVM's migration endpoint marks a disk on a block device (a logical volume) for the checks to
// refuse, and reads only file disks with qemu-img.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KvmDriver } from '../../../app/main/hypervisors/kvm/kvm-driver.js';
import type { RemoteShell } from '../../../app/main/ssh/ssh-connection.js';

const xml = `<domain type='kvm'><name>web</name><memory unit='KiB'>262144</memory><devices>
<disk type='block' device='disk'><driver name='qemu' type='raw'/><source dev='/dev/vg0/web-vda'/><target dev='vda'/></disk>
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/var/lib/libvirt/images/web-vdb.qcow2'/><target dev='vdb'/></disk>
</devices></domain>`;

test('a block disk is listed as block, and qemu-img reads only the file disks', async () => {
  const ran: string[][] = [];
  const shell = {
    run: (argv: string[]) => {
      ran.push(argv);
      if (argv.includes('domstate')) return Promise.resolve('shut off');
      if (argv.includes('dumpxml')) return Promise.resolve(xml);
      if (argv.some((a) => a.includes('qemu-img info')))
        return Promise.resolve(
          '{"virtual-size": 1073741824, "actual-size": 196608, "format": "qcow2"}\n',
        );
      return Promise.resolve('');
    },
  } as unknown as RemoteShell;
  const vm = await new KvmDriver(shell).migrationEndpoint().vm('web');
  assert.deepEqual(
    vm.disks.map((d) => [d.target, d.path, d.block, d.format, d.virtualBytes]),
    [
      ['vda', '/dev/vg0/web-vda', true, 'raw', 0],
      ['vdb', '/var/lib/libvirt/images/web-vdb.qcow2', false, 'qcow2', 1073741824],
    ],
  );
  const info = ran.find((argv) => argv.some((a) => a.includes('qemu-img info')))!;
  assert.ok(!info.includes('/dev/vg0/web-vda'));
  // Nothing is ever created in a block device's place on a target.
  const before = ran.length;
  await assert.rejects(
    new KvmDriver(shell).migrationEndpoint().createImage(vm.disks[0]!),
    /vda is on a block device \(\/dev\/vg0\/web-vda\)/,
  );
  assert.equal(ran.length, before);
});
