// A VM with a disk on a block device (a logical volume) is refused before anything touches the
// target: no marker, no image, no rm under /dev; a VM of file disks still passes.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { HostFacts } from '../../../app/shared/domain/host.js';
import type { Host } from '../../../app/shared/domain/inventory.js';
import {
  REMOVE_FILES_SCRIPT,
  type MigratingDisk,
  type MigratingVm,
  type MigrationEndpoint,
} from '../../../app/main/hypervisors/migration-endpoint.js';
import {
  checkMigration,
  type MigrationSide,
} from '../../../app/main/migration/migration-checks.js';
import type { RemoteShell } from '../../../app/main/ssh/ssh-connection.js';

const fileDisk: MigratingDisk = {
  target: 'vdb',
  path: '/var/lib/libvirt/images/web-vdb.qcow2',
  format: 'qcow2',
  virtualBytes: 1024 ** 3,
  allocatedBytes: 1024 ** 2,
  backingFile: null,
  block: false,
};
const blockDisk: MigratingDisk = {
  target: 'vda',
  path: '/dev/vg0/web-vda',
  format: 'raw',
  virtualBytes: 0,
  allocatedBytes: 0,
  backingFile: null,
  block: true,
};

/** An endpoint that answers the checks' questions and records every path it is asked about. */
function fakeEndpoint(disks: MigratingDisk[], uuid: string) {
  const paths: string[] = [];
  const vm: MigratingVm = {
    name: 'web',
    state: 'shutoff',
    memoryMiB: 256,
    networks: [],
    bridges: [],
    disks,
    cpuXml: null,
    virtType: 'kvm',
    definition: '<domain/>',
  };
  const endpoint = {
    live: { direct: true, copiesStorage: true, movesDefinition: true, relayProgram: 'helper' },
    vm: () => Promise.resolve(vm),
    hostUuid: () => Promise.resolve(uuid),
    exists: () => Promise.resolve(false),
    networksAndBridges: () => Promise.resolve({ networks: [], bridges: [] }),
    controlRelayPath: () => Promise.resolve(null),
    freeBytes: (path: string) => (paths.push(path), Promise.resolve(10 * 1024 ** 3)),
    existingFiles: (list: readonly string[]) => (paths.push(...list), Promise.resolve([])),
    touch: (path: string) => (paths.push(path), Promise.resolve()),
    removeFiles: (list: readonly string[]) => (paths.push(...list), Promise.resolve()),
  } as unknown as MigrationEndpoint;
  return { endpoint, paths };
}

function side(name: string, endpoint: MigrationEndpoint): MigrationSide {
  return {
    host: { name, address: `${name}.example`, port: 22, hypervisor: 'kvm' } as Host,
    shell: {} as RemoteShell,
    endpoint,
    facts: () => Promise.resolve({ memoryFreeMiB: 4096 } as HostFacts),
  };
}

test('a disk on a block device is refused, named, and its path never reaches the target', async () => {
  const source = fakeEndpoint([blockDisk, fileDisk], 'uuid-a');
  const target = fakeEndpoint([], 'uuid-b');
  const { plan } = await checkMigration(
    side('a', source.endpoint),
    side('b', target.endpoint),
    'web',
    { target: 'b', mode: 'offline', copyStorage: true },
  );
  assert.equal(plan.ok, false);
  const refused = plan.checks.filter((c) => !c.ok);
  assert.deepEqual(refused, [
    {
      name: 'block devices',
      ok: false,
      detail: 'disk vda is on a block device (/dev/vg0/web-vda): ConVirt moves file disks only.',
    },
  ]);
  for (const path of [...source.paths, ...target.paths])
    assert.doesNotMatch(path, /^\/dev\//, `asked about ${path}`);
});

test('file disks alone pass with no block devices check', async () => {
  const source = fakeEndpoint([fileDisk], 'uuid-a');
  const target = fakeEndpoint([], 'uuid-b');
  const { plan } = await checkMigration(
    side('a', source.endpoint),
    side('b', target.endpoint),
    'web',
    { target: 'b', mode: 'offline', copyStorage: true },
  );
  assert.deepEqual(
    plan.checks.filter((c) => !c.ok),
    [],
  );
  assert.equal(plan.ok, true);
  assert.ok(!plan.checks.some((c) => c.name === 'block devices'));
});

test('removing files never removes a block device or a link to one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'convirt-rm-'));
  try {
    writeFileSync(join(dir, 'disk.qcow2'), 'x');
    // Any block device the machine has stands in for a logical volume's /dev/VG/LV link.
    const device = readdirSync('/dev')
      .map((name) => `/dev/${name}`)
      .find((path) => statSync(path, { throwIfNoEntry: false })?.isBlockDevice());
    if (device) symlinkSync(device, join(dir, 'lv'));
    execFileSync('sh', [
      '-c',
      REMOVE_FILES_SCRIPT,
      'sh',
      join(dir, 'disk.qcow2'),
      join(dir, 'lv'),
      join(dir, 'missing'),
    ]);
    assert.deepEqual(readdirSync(dir), device ? ['lv'] : []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
