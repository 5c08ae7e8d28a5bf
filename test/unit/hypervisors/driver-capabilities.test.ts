// Callers ask the driver, not the hypervisor's name: each driver says what it lacks (with the
// reason), provides exactly the optional operations it does not lack, and knows how it
// provisions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HypervisorDriver, OptionalOperation } from '../../../app/main/hypervisors/driver.js';
import { NotSupportedError, requireOperation } from '../../../app/main/hypervisors/driver.js';
import { driverFor, driverKind } from '../../../app/main/hypervisors/drivers.js';
import { KvmDriver } from '../../../app/main/hypervisors/kvm/kvm-driver.js';
import { XlDriver } from '../../../app/main/hypervisors/xen/xl-driver.js';
import type { RemoteShell } from '../../../app/main/ssh/ssh-connection.js';
import { XL_UNSUPPORTED } from '../../../app/shared/domain/xen-limits.js';

function recordingShell(reply = '') {
  const ran: string[][] = [];
  const shell = {
    run: (argv: string[]) => {
      ran.push(argv);
      return Promise.resolve(reply);
    },
    exec: (argv: string[]) => {
      ran.push(argv);
      return Promise.resolve({ code: 1, stdout: '', stderr: '' });
    },
  } as unknown as RemoteShell;
  return { ran, shell };
}

const OPTIONAL: Record<OptionalOperation, Array<keyof HypervisorDriver>> = {
  snapshot: ['snapshotCreate', 'snapshotList', 'snapshotRevert', 'snapshotDelete'],
  guestAgent: ['addGuestAgentChannel', 'setUserPassword'],
  autostart: ['setAutostart'],
  iso: ['setIso'],
  clone: ['clone'],
  migration: ['migrationEndpoint'],
  graphicalConsole: ['graphicalConsole'],
};

test('the factory gives each host its driver, with its sudo and libvirt URI', () => {
  const { shell } = recordingShell();
  const kvm = driverFor({ hypervisor: 'kvm', useSudo: true, libvirtUri: 'test:///default' }, shell);
  assert.ok(kvm instanceof KvmDriver);
  assert.equal(kvm.uri, 'test:///default');
  assert.deepEqual(kvm.pollArgv().slice(0, 2), ['sudo', '-n']);
  assert.ok(driverFor({ hypervisor: 'xen', useSudo: false }, shell) instanceof XlDriver);
});

test('a driver has exactly the optional operations its notSupported does not refuse', () => {
  const { shell } = recordingShell();
  for (const hypervisor of ['kvm', 'xen'] as const) {
    const driver = driverFor({ hypervisor, useSudo: false }, shell);
    assert.equal(driver.notSupported, driverKind(hypervisor).notSupported);
    for (const [operation, methods] of Object.entries(OPTIONAL)) {
      const lacking = driver.notSupported[operation as OptionalOperation] !== undefined;
      for (const method of methods)
        assert.equal(typeof driver[method] !== 'function', lacking, `${hypervisor} ${method}`);
    }
  }
});

test('requireOperation refuses with the hypervisor and its reason, naming the host', () => {
  const { shell } = recordingShell();
  const xen = driverFor({ hypervisor: 'xen', useSudo: false }, shell);
  assert.throws(
    () => requireOperation(xen, 'snapshot', 'xen1'),
    (err: unknown) =>
      err instanceof NotSupportedError &&
      err.hypervisor === 'xen' &&
      err.operation === 'snapshot' &&
      err.message === `xen1: ${XL_UNSUPPORTED.snapshot}`,
  );
  const kvm = driverFor({ hypervisor: 'kvm', useSudo: false }, shell);
  assert.equal(requireOperation(kvm, 'snapshot', 'kvm1'), kvm);
});

test('provisioning profiles: dom0 makes raw disks with coreutils, libvirt hosts qcow2 too', () => {
  const xen = driverKind('xen').provisioning;
  const kvm = driverKind('kvm').provisioning;
  assert.deepEqual(
    [xen.configFormat, xen.diskTools, xen.emptyDiskFormat],
    ['xl', 'coreutils', 'raw'],
  );
  assert.deepEqual(xen.imageFormats, ['raw']);
  assert.equal(xen.preferredBridge, 'xenbr0');
  assert.deepEqual(
    [kvm.configFormat, kvm.diskTools, kvm.emptyDiskFormat],
    ['libvirt-xml', 'qemu-img', 'qcow2'],
  );
  assert.equal(kvm.preferredBridge, 'br0');
});

test('the KVM driver makes clone disks through the shared builder', async () => {
  const xml = `<domain><name>a</name><devices><disk type='file' device='disk'><driver type='qcow2'/><source file='/d/a-vda.qcow2'/><target dev='vda'/></disk></devices></domain>`;
  const ran: string[][] = [];
  const shell = {
    run: (argv: string[]) => {
      ran.push(argv);
      if (argv.includes('domstate')) return Promise.resolve('shut off');
      if (argv.includes('dumpxml')) return Promise.resolve(xml);
      return Promise.resolve('');
    },
  } as unknown as RemoteShell;
  const created = await new KvmDriver(shell).clone('a', 'b', 'overlay');
  assert.deepEqual(created, ['/d/b-vda.qcow2']);
  assert.ok(
    ran.some(
      (argv) =>
        argv.join(' ') === 'qemu-img create -q -f qcow2 -b /d/a-vda.qcow2 -F qcow2 /d/b-vda.qcow2',
    ),
  );
});

test('the KVM driver refuses to clone a VM with a disk on a block device, before any command', async () => {
  const xml = `<domain><name>a</name><devices><disk type='block' device='disk'><driver type='raw'/><source dev='/dev/vg0/a-vda'/><target dev='vda'/></disk></devices></domain>`;
  const ran: string[][] = [];
  const shell = {
    run: (argv: string[]) => {
      ran.push(argv);
      if (argv.includes('domstate')) return Promise.resolve('shut off');
      if (argv.includes('dumpxml')) return Promise.resolve(xml);
      return Promise.resolve('');
    },
  } as unknown as RemoteShell;
  await assert.rejects(
    new KvmDriver(shell).clone('a', 'b', 'overlay'),
    /a has disks on block devices \(vda: \/dev\/vg0\/a-vda\): ConVirt clones VMs with file disks only/,
  );
  assert.ok(ran.every((argv) => argv.includes('domstate') || argv.includes('dumpxml')));
});

test('Xen VM details come from the driver: no extras, the config file it starts from', async () => {
  const { shell } = recordingShell();
  const details = await new XlDriver(shell).vmDetails('web');
  assert.deepEqual(details, {
    autostart: null,
    isoPath: null,
    hasGuestAgentChannel: false,
    hasGraphics: false,
    snapshots: [],
    hypervisor: 'xen',
    notSupported: XL_UNSUPPORTED,
    configFile: null,
    savedState: null,
  });
});
