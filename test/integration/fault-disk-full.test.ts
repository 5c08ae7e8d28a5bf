// The host's disk fills up: a download by URL into a folder on a 1 MiB tmpfs (the image is
// 3 MiB), and a provisioning whose disks folder (a tmpfs) is filled by something else just as it
// creates the disks. Each fails with a clear error and leaves nothing partial behind.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { parseChecksum } from '../../app/shared/validation/download-source.js';
import { ImageStore, REPOSITORY_STORE } from '../../app/main/image-store/image-store.js';
import { Inventory } from '../../app/main/inventory/index.js';
import { KvmDriver } from '../../app/main/hypervisors/kvm/kvm-driver.js';
import { ChecksumCache } from '../../app/main/provisioning/checksums.js';
import { ProvisioningService } from '../../app/main/provisioning/provisioning-service.js';
import { DownloadFailedError, downloadOnHosts } from '../../app/main/templates/host-download.js';
import { TaskRunner } from '../../app/main/tasks/task-runner.js';
import { ownAppliance } from '../support/faults.js';
import { connectToTestbed, testbed } from '../support/testbed.js';

const bed = testbed();
const work = join(bed.runDir, 'fault-disk-full');

/** A tmpfs of `size` mounted at `dir` (created) until the test ends. */
function smallDisk(t: TestContext, dir: string, size: string): string {
  mkdirSync(dir, { recursive: true });
  const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], {
    encoding: 'utf8',
  });
  assert.equal(mount.status, 0, mount.stderr);
  t.after(() => {
    spawnSync('umount', [dir]);
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** Fills the file system of `dir` to the last byte. */
function fill(dir: string): void {
  const free = spawnSync('df', ['--output=avail', '-B1', dir], { encoding: 'utf8' });
  const bytes = free.stdout.trim().split('\n').at(-1)!.trim();
  spawnSync('fallocate', ['-l', bytes, join(dir, 'filler')]);
}

test('the host disk fills up', { timeout: 180_000 }, async (t) => {
  mkdirSync(work, { recursive: true });
  const ssh = await connectToTestbed(bed);
  t.after(() => {
    ssh.close();
    rmSync(work, { recursive: true, force: true });
  });

  await t.test('during a download: a clear error, no .part left', async (t) => {
    const pool = smallDisk(t, join(work, 'pool'), '1m');
    const web = bed.downloads;
    await assert.rejects(
      downloadOnHosts([ssh], {
        urls: [`${web.http}/files/${web.image.name}`],
        checksum: parseChecksum(`{SHA-256}${web.image.sha256}`),
        dest: join(pool, 'image.qcow2'),
      }),
      (err: unknown) => {
        assert.ok(err instanceof DownloadFailedError, String(err));
        assert.match(err.message, /no space left on the host disk \(.*pool\)/);
        assert.equal(err.attempts.length, 3);
        return true;
      },
    );
    assert.deepEqual(readdirSync(pool), []);
  });

  await t.test('during a provisioning: a clear error, what it made removed', async (t) => {
    const disks = smallDisk(t, join(work, 'disks'), '64m');
    const bridge = `cvdf${process.pid % 100000}`;
    spawnSync('ip', ['link', 'add', bridge, 'type', 'bridge']);
    mkdirSync(join(work, 'data'), { recursive: true });
    const inventory = Inventory.open({ dataDir: join(work, 'data') });
    t.after(() => {
      inventory.close();
      spawnSync('ip', ['link', 'del', bridge]);
    });
    const store = join(work, 'store');
    ownAppliance(bed, store, 'plain', '#!/bin/sh\nexit 0\n');
    const host = inventory.hosts.add({
      name: 'tb',
      address: '127.0.0.1',
      port: bed.sshd.port,
      username: bed.sshd.username,
      hypervisor: 'kvm',
    });
    const tasks = new TaskRunner(inventory.tasks, inventory.audit);
    const service = new ProvisioningService({
      store: new ImageStore({ stores: [REPOSITORY_STORE, store] }),
      tasks,
      checksums: new ChecksumCache(),
      host: () => host,
      connect: () => Promise.resolve(ssh),
      hostPaths: { imageCache: `${bed.imagesDir}/${bed.prefix}image-cache`, disks },
    });
    const name = `${bed.prefix}full`;
    const { task, result } = service.provision({
      appliance: 'plain',
      host: 'tb',
      name,
      params: { bridge },
    });
    // Something else fills the disk after the survey found room, as the disks are made.
    tasks.on('update', (update) => {
      if (update.id === task.id && update.message === 'Creating disks') fill(disks);
    });
    await assert.rejects(result, /No space left on device/);
    const failed = inventory.tasks.get(task.id)!;
    assert.equal(failed.status, 'failed');
    assert.match(failed.error ?? '', /No space left on device/);
    const log = inventory.tasks
      .log(task.id)
      .map((e) => e.text)
      .join('\n');
    assert.match(log, /Provisioning failed while creating disks/);
    assert.match(log, /Removed what this task made:[\s\S]*file .*full-vda\.qcow2/);
    assert.doesNotMatch(log, /Could not remove/);
    assert.deepEqual(readdirSync(disks), ['filler']);
    assert.equal(await new KvmDriver(ssh).exists(name), false);
  });
});
