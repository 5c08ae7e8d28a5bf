// One builder makes every VM disk: the same spec becomes qemu-img commands on libvirt hosts and
// cp/truncate on a Xen dom0, which has no qemu-img.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diskCommands } from '../../../app/main/hypervisors/disk-commands.js';
import { InvalidInputError } from '../../../app/shared/validation/names.js';

test('an overlay is one qemu-img create on its base, grown when a size is given', () => {
  const spec = { kind: 'overlay', path: '/d/vm-vda.qcow2', base: '/c/base', baseFormat: 'qcow2' };
  assert.deepEqual(diskCommands({ ...spec, kind: 'overlay' }, 'qemu-img'), [
    ['qemu-img', 'create', '-q', '-f', 'qcow2', '-b', '/c/base', '-F', 'qcow2', '/d/vm-vda.qcow2'],
  ]);
  assert.deepEqual(
    diskCommands({ ...spec, kind: 'overlay', sizeMiB: '2048' }, 'qemu-img')[0]!.at(-1),
    '2048M',
  );
  assert.throws(() => diskCommands({ ...spec, kind: 'overlay' }, 'coreutils'), /needs qemu-img/);
});

test('a raw copy is sparse and resized with qemu-img, or copied and truncated in dom0', () => {
  const spec = { kind: 'copy', path: '/d/vm.raw', source: '/c/img', sizeMiB: '64' } as const;
  assert.deepEqual(diskCommands(spec, 'qemu-img'), [
    ['cp', '--sparse=always', '--', '/c/img', '/d/vm.raw'],
    ['qemu-img', 'resize', '-q', '-f', 'raw', '/d/vm.raw', '64M'],
  ]);
  assert.deepEqual(diskCommands(spec, 'coreutils'), [
    ['cp', '--', '/c/img', '/d/vm.raw'],
    ['truncate', '-s', '64M', '/d/vm.raw'],
  ]);
  assert.deepEqual(diskCommands({ ...spec, sizeMiB: undefined }, 'coreutils'), [
    ['cp', '--', '/c/img', '/d/vm.raw'],
  ]);
});

test('empty disks: qcow2 through qemu-img, raw through truncate on any host', () => {
  assert.deepEqual(
    diskCommands({ kind: 'empty', path: '/d/e.qcow2', format: 'qcow2', sizeMiB: '8' }, 'qemu-img'),
    [['qemu-img', 'create', '-q', '-f', 'qcow2', '/d/e.qcow2', '8M']],
  );
  for (const tools of ['qemu-img', 'coreutils'] as const)
    assert.deepEqual(
      diskCommands({ kind: 'empty', path: '/d/e.raw', format: 'raw', sizeMiB: '8' }, tools),
      [['truncate', '-s', '8M', '/d/e.raw']],
    );
});

test('a full copy converts to qcow2; a bad path is refused before any command', () => {
  assert.deepEqual(
    diskCommands({ kind: 'convert', path: '/d/c.qcow2', source: '/d/a' }, 'qemu-img'),
    [['qemu-img', 'convert', '-q', '-O', 'qcow2', '/d/a', '/d/c.qcow2']],
  );
  assert.throws(
    () => diskCommands({ kind: 'convert', path: '/d/../etc/x', source: '/d/a' }, 'qemu-img'),
    InvalidInputError,
  );
});
