// VMs' disks on LVM logical volumes: names, argument lists, the volume group survey, the removal
// of a deleted VM's disks, and how each hypervisor's configuration attaches a volume.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { driverKind } from '../../../app/main/hypervisors/drivers.js';
import {
  convirtTaskTag,
  convirtVolumeTag,
  isLogicalVolumePath,
  logicalVolumeName,
  logicalVolumePath,
  LV_UNDO_SCRIPT,
  lvCreateArgv,
  lvRemoveArgv,
  parseRemovedDisks,
  parseVgSurvey,
  removeDisksArgv,
  validateVolumeGroup,
  vgSurveyArgv,
} from '../../../app/main/hypervisors/lvm.js';
import { xlPhysicalDisks } from '../../../app/main/hypervisors/xen/xl-driver.js';
import { DomainDocument } from '../../../app/main/hypervisors/kvm/domain-xml.js';
import { validateParam } from '../../../app/shared/validation/provision-params.js';
import {
  applianceDiskPath,
  diskBackend,
  type DiskBackend,
} from '../../../app/main/provisioning/appliance-config.js';
import type { ApplianceDisk } from '../../../app/main/image-store/image-store.js';

test('volume group and volume names follow LVM rules; a bad one is refused', () => {
  assert.equal(validateVolumeGroup('vg0'), 'vg0');
  assert.equal(validateVolumeGroup('data.vg_1+x'), 'data.vg_1+x');
  for (const bad of ['', '-vg', 'vg 0', 'vg/0', '.', '..', 'vg;rm', 'x'.repeat(128)])
    assert.throws(() => validateVolumeGroup(bad), /invalid volume group name/, bad);
  assert.equal(logicalVolumeName('web1', 'xvda'), 'web1-xvda');
  assert.throws(() => logicalVolumeName('bad name', 'xvda'), /Invalid VM name/);
  assert.throws(() => logicalVolumeName('db_tmeta', 'xvda'), /LVM reserves names/);
  assert.equal(logicalVolumePath('vg0', 'web1-xvda'), '/dev/vg0/web1-xvda');
  assert.equal(isLogicalVolumePath('/dev/vg0/web1-xvda'), true);
  for (const other of ['/dev/sda1', '/var/lib/xen/images/web1.raw', '/dev/vg0/../sda', '/dev//x'])
    assert.equal(isLogicalVolumePath(other), false, other);
  // The form checks the group as main does.
  assert.equal(validateParam('lvm_volume_group', 'vg0'), 'vg0');
  assert.equal(validateParam('lvm_volume_group', ''), '');
  assert.throws(() => validateParam('lvm_volume_group', '-vg'), /expected a volume group name/);
  assert.throws(() => validateParam('disk_backend', 'zfs'), /expected one of file, lvm/);
});

test('lvcreate tags the volume with its VM and its task', () => {
  const taskTag = convirtTaskTag('3f2a9c1e-77b0-4d1c-9e55-0a1b2c3d4e5f');
  assert.equal(taskTag, 'convirt.task.3f2a9c1e77b0');
  assert.throws(() => convirtTaskTag('--'), /cannot tag a logical volume/);
  assert.deepEqual(lvCreateArgv('vg0', 'web1-xvda', '32', 'web1', taskTag), [
    'lvcreate',
    '-q',
    '-y',
    '-L',
    '32m',
    '-n',
    'web1-xvda',
    '--addtag',
    'convirt.web1',
    '--addtag',
    'convirt.task.3f2a9c1e77b0',
    'vg0',
  ]);
  assert.throws(
    () => lvCreateArgv('vg0', 'web1-xvda', '0', 'web1', taskTag),
    /Invalid volume size/,
  );
  assert.equal(convirtVolumeTag('web1'), 'convirt.web1');
  assert.deepEqual(lvRemoveArgv('/dev/vg0/web1-xvda', taskTag), [
    'sh',
    '-c',
    LV_UNDO_SCRIPT,
    'sh',
    '/dev/vg0/web1-xvda',
    taskTag,
  ]);
  assert.throws(() => lvRemoveArgv('/dev/sda1', taskTag), /not a logical volume's path/);
});

/**
 * Runs LV_UNDO_SCRIPT with stand-ins for lvs (printing `lvsOut` to stdout or, with `lvsFails`,
 * to stderr and exiting 5) and lvremove (noting its arguments).
 */
function runUndo(lvsOut: string, lvsFails = false) {
  const bin = mkdtempSync(join(tmpdir(), 'convirt-lvm-'));
  try {
    const lvs = lvsFails ? `printf '%s\\n' '${lvsOut}' >&2; exit 5` : `printf '%s\\n' '${lvsOut}'`;
    writeFileSync(join(bin, 'lvs'), `#!/bin/sh\n${lvs}\n`, { mode: 0o755 });
    writeFileSync(join(bin, 'lvremove'), `#!/bin/sh\necho "lvremove $*" >> "${bin}/removed"\n`, {
      mode: 0o755,
    });
    const result = spawnSync(
      'sh',
      lvRemoveArgv('/dev/vg0/web1-xvda', 'convirt.task.abc').slice(1),
      {
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
        encoding: 'utf8',
      },
    );
    const removed = existsSync(join(bin, 'removed'))
      ? readFileSync(join(bin, 'removed'), 'utf8')
      : '';
    return { code: result.status, stdout: result.stdout, stderr: result.stderr, removed };
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
}

test("a task's undo removes only the volume it tagged; lvs errors other than none fail", () => {
  assert.deepEqual(runUndo('  convirt.web1,convirt.task.abc'), {
    code: 0,
    stdout: '',
    stderr: '',
    removed: 'lvremove -q -f -- /dev/vg0/web1-xvda\n',
  });
  // Made meanwhile by someone else (or by another task for a VM of the same name): kept.
  for (const tags of ['', '  convirt.web1,convirt.task.abcd', '  convirt.task.ab'])
    assert.deepEqual(runUndo(tags), {
      code: 0,
      stdout: 'kept /dev/vg0/web1-xvda: not made by this task\n',
      stderr: '',
      removed: '',
    });
  // lvcreate never ran, or failed: nothing to undo.
  for (const missing of [
    '  Failed to find logical volume "vg0/web1-xvda"',
    '  Volume group "vg0" not found',
  ])
    assert.deepEqual(runUndo(missing, true), { code: 0, stdout: '', stderr: '', removed: '' });
  assert.deepEqual(runUndo('  /run/lock/lvm/V_vg0: open failed: Permission denied', true), {
    code: 1,
    stdout: '',
    stderr: '  /run/lock/lvm/V_vg0: open failed: Permission denied\n',
    removed: '',
  });
});

test('the volume group survey: missing tools, missing group, free space and taken names', () => {
  const argv = vgSurveyArgv('vg0', ['web1-xvda', 'web1-xvdb']);
  assert.deepEqual(
    [argv[0], argv[1], ...argv.slice(3)],
    ['sh', '-c', 'sh', 'vg0', 'web1-xvda', 'web1-xvdb'],
  );
  assert.throws(() => vgSurveyArgv('$(reboot)', []), /invalid volume group name/);
  assert.deepEqual(parseVgSurvey('no-lvm\n'), { kind: 'no-lvm' });
  assert.deepEqual(parseVgSurvey('no-vg\n'), { kind: 'no-vg' });
  assert.deepEqual(parseVgSurvey('free   130023424\nexists web1-xvdb\n'), {
    kind: 'vg',
    freeBytes: 130023424,
    existing: new Set(['web1-xvdb']),
  });
  assert.throws(() => parseVgSurvey('garbage'), /Unexpected volume group survey/);
});

test("a deleted VM's disks: files and its own tagged volumes removed, other devices kept", () => {
  const argv = removeDisksArgv('web1', ['/var/lib/xen/images/web1.raw', '/dev/vg0/web1-xvda']);
  assert.deepEqual(argv.slice(3), [
    'sh',
    'convirt.web1',
    '/var/lib/xen/images/web1.raw',
    '/dev/vg0/web1-xvda',
  ]);
  // Block devices are removed only through lvremove, when they carry the VM's tag.
  assert.match(
    argv[2]!,
    /\[ -b "\$f" \] && has_tag "\$\(lvs --noheadings -o lv_tags -- "\$f" 2>\/dev\/null\)" "\$tag"/,
  );
  assert.match(argv[2]!, /^has_tag\(\) \{ .*grep -qxF -- "\$2"; \}/);
  assert.doesNotMatch(argv[2]!, /rm -f -- "\$f" && echo "removed \$f"\n\s+elif[\s\S]*rm /);
  assert.deepEqual(
    parseRemovedDisks(
      'removed /var/lib/xen/images/web1.raw\nkept /dev/sdb1\nremoved /dev/vg0/web1-xvda\n',
    ),
    { removed: ['/var/lib/xen/images/web1.raw', '/dev/vg0/web1-xvda'], kept: ['/dev/sdb1'] },
  );
});

test('xl: volumes become physical disks (backendtype=phy), other disks unchanged', () => {
  const config = [
    'name = "web1"',
    'disk = [ "format=raw, vdev=xvda, access=rw, target=/dev/vg0/web1-xvda", "format=raw, vdev=xvdb, access=rw, target=/dev/vg0/web1-xvdb", "format=raw, vdev=xvdc, access=rw, target=/var/lib/xen/images/web1-seed.raw" ]',
    "extra = 'target=/dev/vg0/web1-xvda'",
    "disk2 = [ 'file:/dev/vg0/web1-xvda,xvdd,w', 'backendtype=phy, vdev=xvde, target=/dev/vg0/web1-xvdb' ]",
  ].join('\n');
  const out = xlPhysicalDisks(config, ['/dev/vg0/web1-xvda', '/dev/vg0/web1-xvdb']);
  assert.equal(
    out.split('\n')[1],
    'disk = [ "format=raw, vdev=xvda, access=rw, backendtype=phy, target=/dev/vg0/web1-xvda", "format=raw, vdev=xvdb, access=rw, backendtype=phy, target=/dev/vg0/web1-xvdb", "format=raw, vdev=xvdc, access=rw, target=/var/lib/xen/images/web1-seed.raw" ]',
  );
  assert.equal(
    out.split('\n')[3],
    "disk2 = [ 'phy:/dev/vg0/web1-xvda,xvdd,w', 'backendtype=phy, vdev=xvde, target=/dev/vg0/web1-xvdb' ]",
  );
  assert.equal(driverKind('xen').provisioning.blockDeviceConfig(config, []), config);
});

test("libvirt: a volume's file disk becomes <disk type='block'> with <source dev>, driver raw", () => {
  const xml = `<domain type='kvm'>
  <name>web1</name>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='/dev/vg0/web1-vda'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='/var/lib/libvirt/images/web1-seed.raw'/>
      <target dev='vdc' bus='virtio'/>
    </disk>
  </devices>
</domain>`;
  const out = driverKind('kvm').provisioning.blockDeviceConfig(xml, ['/dev/vg0/web1-vda']);
  assert.match(
    out,
    /<disk type="block" device="disk">\s*<driver name="qemu" type="raw"\/>\s*<source dev="\/dev\/vg0\/web1-vda"\/>/,
  );
  assert.doesNotMatch(out, /file="\/dev\/vg0/);
  assert.deepEqual(
    new DomainDocument(out).disks().map((d) => [d.target, d.source, d.block]),
    [
      ['vda', '/dev/vg0/web1-vda', true],
      ['vdc', '/var/lib/libvirt/images/web1-seed.raw', false],
    ],
  );
  assert.equal(driverKind('kvm').provisioning.blockDeviceConfig(xml, []), xml);
  // A clone's new source is a file: a block disk is refused, not left pointing at the volume.
  assert.throws(
    () => new DomainDocument(out).setDiskSource('vda', '/dev/vg0/web2-vda.qcow2'),
    /Disk vda is a block device/,
  );
});

test('disk_backend = lvm puts filesystems and swap on /dev/VG/VM-DEV; images stay refused', () => {
  assert.deepEqual(diskBackend({}), { kind: 'file' });
  assert.deepEqual(diskBackend({ disk_backend: 'file', lvm_volume_group: 'vg0' }), {
    kind: 'file',
  });
  assert.deepEqual(diskBackend({ disk_backend: 'lvm', lvm_volume_group: 'vg0' }), {
    kind: 'lvm',
    volumeGroup: 'vg0',
  });
  assert.throws(
    () => diskBackend({ disk_backend: 'lvm', lvm_volume_group: '' }),
    /disk_backend = lvm needs the volume group/,
  );
  const profile = driverKind('xen').provisioning;
  const lvm: DiskBackend = { kind: 'lvm', volumeGroup: 'vg0' };
  const root: ApplianceDisk = {
    dev: 'xvda',
    source: { kind: 'content', file: 'rootfs.tar.gz', format: 'tar_gz', fsType: 'ext4' },
    sizeMiB: 32,
  };
  const swap: ApplianceDisk = { dev: 'xvdb', source: { kind: 'empty', swap: true }, sizeMiB: 16 };
  const image: ApplianceDisk = {
    dev: 'xvdc',
    source: { kind: 'image', file: 'disk.raw', format: 'raw' },
    sizeMiB: null,
  };
  const path = (disk: ApplianceDisk, backend: DiskBackend = lvm) =>
    applianceDiskPath(profile, '/var/lib/xen/images', 'web1', disk, backend);
  assert.equal(path(root), '/dev/vg0/web1-xvda');
  assert.equal(path(swap), '/dev/vg0/web1-xvdb');
  assert.equal(path(root, { kind: 'file' }), '/var/lib/xen/images/web1-xvda.raw');
  assert.throws(() => path(image), /xvdc comes from an image.*use disk_backend = file/);
});
