// Cancelling a provisioning while provision.sh runs: the task ends cancelled and what it had made
// on the host (disk, work folder) is removed, although its own commands were cancelled.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ImageStore, REPOSITORY_STORE } from '../../app/main/image-store/image-store.js';
import { Inventory } from '../../app/main/inventory/index.js';
import { KvmDriver } from '../../app/main/hypervisors/kvm/kvm-driver.js';
import { ChecksumCache } from '../../app/main/provisioning/checksums.js';
import { ProvisioningService } from '../../app/main/provisioning/provisioning-service.js';
import { TaskCancelledError, TaskRunner } from '../../app/main/tasks/task-runner.js';
import { connectToTestbed, testbed } from '../support/testbed.js';

const bed = testbed();

test('a cancelled provisioning removes what it made', { timeout: 120_000 }, async (t) => {
  const work = join(bed.runDir, 'provision-cancel');
  const bridge = `cvbc${process.pid % 100000}`;
  mkdirSync(join(work, 'data'), { recursive: true });
  spawnSync('ip', ['link', 'add', bridge, 'type', 'bridge']);
  const ssh = await connectToTestbed(bed);
  const inventory = Inventory.open({ dataDir: join(work, 'data') });
  t.after(() => {
    ssh.close();
    inventory.close();
    spawnSync('ip', ['link', 'del', bridge]);
    rmSync(work, { recursive: true, force: true });
  });

  // tiny-linux with a provision.sh that takes its time.
  const own = join(work, 'store', 'slow');
  cpSync(join(REPOSITORY_STORE, 'tiny-linux'), own, { recursive: true });
  writeFileSync(
    join(own, 'image.conf'),
    readFileSync(join(own, 'image.conf'), 'utf8').replace(
      /^(kernel_src|ramdisk_src|vda_image_src) = (.*)$/gm,
      (_m, key: string, file: string) => `${key} = ${join(bed.appliances, 'tiny-linux', file)}`,
    ),
  );
  writeFileSync(join(own, 'provision.sh'), '#!/bin/sh\nsleep 30\n');
  const host = inventory.hosts.add({
    name: 'tb',
    address: '127.0.0.1',
    port: bed.sshd.port,
    username: bed.sshd.username,
    hypervisor: 'kvm',
  });
  const tasks = new TaskRunner(inventory.tasks, inventory.audit);
  const service = new ProvisioningService({
    store: new ImageStore({ stores: [REPOSITORY_STORE, join(work, 'store')] }),
    tasks,
    checksums: new ChecksumCache(),
    host: () => host,
    connect: () => Promise.resolve(ssh),
    hostPaths: { imageCache: `${bed.imagesDir}/${bed.prefix}image-cache` },
  });

  const name = `${bed.prefix}cancelled`;
  const { task, result } = service.provision({
    appliance: 'slow',
    host: 'tb',
    name,
    params: { bridge },
  });
  tasks.on('update', (update) => {
    if (update.id === task.id && update.message === 'Running provision.sh') tasks.cancel(task.id);
  });
  await assert.rejects(result, TaskCancelledError);
  assert.equal(inventory.tasks.get(task.id)?.status, 'cancelled');
  const log = inventory.tasks
    .log(task.id)
    .map((e) => e.text)
    .join('\n');
  assert.match(log, /Removed what this task made:[\s\S]*file .*cancelled-vda\.qcow2[\s\S]*folder /);
  assert.equal(await new KvmDriver(ssh).exists(name), false);
  assert.doesNotMatch(await ssh.run(['ls', '-a', bed.imagesDir]), new RegExp(name));
});
