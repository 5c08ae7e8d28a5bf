// Two clients acting at once on the same inventory and the same VM: two convirtctl processes
// (each its own ConVirt) against the test bed. One wins, the other gets a clear answer, and the
// inventory stays consistent (every task finished, none taken for interrupted, integrity ok).
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Inventory } from '../../app/main/inventory/index.js';
import { KvmDriver } from '../../app/main/hypervisors/kvm/kvm-driver.js';
import { convirtctlRunner, testbedHostAdd } from '../support/convirtctl-runner.js';
import { connectToTestbed, testbed } from '../support/testbed.js';
import { defineTinyVm, removeVm } from '../support/tiny-vm.js';

const bed = testbed();
const home = join(bed.runDir, 'two-clients-home');
const dataDir = join(bed.runDir, 'two-clients-data');
const ctl = convirtctlRunner({ home, dataDir, timeoutMs: 120_000 });

/** The inventory after both clients ended: intact, and every task finished. */
function checkInventory(): void {
  const inventory = Inventory.open({ dataDir });
  try {
    assert.equal(inventory.db.pragma('integrity_check', { simple: true }), 'ok');
    assert.equal(inventory.interruptedTasks, 0);
    for (const task of inventory.tasks.list())
      assert.ok(['succeeded', 'failed'].includes(task.status), JSON.stringify(task));
  } finally {
    inventory.close();
  }
}

test('two clients at once', { timeout: 240_000 }, async (t) => {
  mkdirSync(home, { recursive: true });
  mkdirSync(dataDir, { recursive: true });
  const ssh = await connectToTestbed(bed);
  const virsh = new KvmDriver(ssh);
  const vm = `${bed.prefix}two`;
  t.after(async () => {
    try {
      await removeVm(virsh, vm);
      await ssh.run(['rm', '-f', `${bed.imagesDir}/${vm}.qcow2`]);
    } finally {
      ssh.close();
      rmSync(home, { recursive: true, force: true });
    }
  });

  await t.test('the same host added by both: one added, the other told it exists', async () => {
    const add = () =>
      ctl(testbedHostAdd(bed, 'tb', ['--accept-host-key', bed.sshd.hostKeyFingerprint]));
    const runs = await Promise.all([add(), add()]);
    const won = runs.filter((r) => r.code === 0);
    const lost = runs.filter((r) => r.code !== 0);
    assert.equal(won.length, 1, runs.map((r) => r.stderr).join('\n'));
    assert.equal(lost.length, 1);
    assert.match(lost[0]!.stderr, /A host named "?tb"? already exists/);
    const hosts = JSON.parse((await ctl(['host', 'list', '--json'])).stdout) as unknown[];
    assert.equal(hosts.length, 1);
    checkInventory();
  });

  await t.test('the same VM deleted by both: one deletes it, the other is told', async () => {
    const disk = await defineTinyVm(ssh, bed, vm);
    const del = () => ctl(['vm', 'delete', `tb/${vm}`, '--remove-disks', '--yes']);
    const runs = await Promise.all([del(), del()]);
    const won = runs.filter((r) => r.code === 0);
    const lost = runs.filter((r) => r.code !== 0);
    assert.equal(won.length, 1, runs.map((r) => r.stdout + r.stderr).join('\n'));
    assert.equal(lost.length, 1);
    assert.match(
      lost[0]!.stderr,
      new RegExp(`has no VM named ${vm}|failed to get domain '${vm}'|[Dd]omain not found`),
    );
    assert.equal(await virsh.exists(vm), false);
    assert.equal((await ssh.exec(['test', '-e', disk])).code, 1, 'its disk is gone');
    checkInventory();
  });
});
