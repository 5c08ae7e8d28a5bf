// The host's libvirtd restarted, against the test bed's own libvirtd (stopped with SIGTERM as a
// service stop does, started again with the same config and sockets): while ConVirt polls, the
// host's poll fails with virsh's reason while libvirtd is away, and once it is back the same
// session lists the VMs again (a running VM still running). During a provisioning, the define
// fails with the reason, its files are removed, the domain it could not look for (libvirt away)
// is named in its log, and once libvirtd is back the next provisioning works.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { KvmDriver } from '../../app/main/hypervisors/kvm/kvm-driver.js';
import { ensureLibvirtDaemons, stopLibvirtd } from '../bed/daemons.js';
import { waitFor } from '../bed/process.js';
import { faultEngine, leftovers, removeProvisioned } from '../support/fault-fleet.js';
import { notRemoved, ownAppliance } from '../support/faults.js';
import { connectToTestbed, testbed } from '../support/testbed.js';
import { defineTinyVm, removeVm } from '../support/tiny-vm.js';

const bed = testbed();
const work = join(bed.runDir, 'fault-libvirtd');
const store = join(work, 'store');
const bridge = `cvlr${process.pid % 100000}`;
const startLibvirtd = () => ensureLibvirtDaemons(() => undefined);

test('libvirtd restarted', { timeout: 240_000 }, async (t) => {
  mkdirSync(store, { recursive: true });
  spawnSync('ip', ['link', 'add', bridge, 'type', 'bridge']);
  const ssh = await connectToTestbed(bed);
  const vm = `${bed.prefix}lv-running`;
  const disk = await defineTinyVm(ssh, bed, vm);
  await new KvmDriver(ssh).start(vm);
  t.after(async () => {
    try {
      // Whatever failed, the bed's libvirtd runs again for the tests after this one.
      await startLibvirtd();
      await removeVm(new KvmDriver(ssh), vm);
      await ssh.run(['rm', '-f', disk]);
    } finally {
      ssh.close();
      spawnSync('ip', ['link', 'del', bridge]);
      rmSync(work, { recursive: true, force: true });
    }
  });
  const fleet = faultEngine(bed, {
    dataDir: join(work, 'data'),
    port: bed.sshd.port,
    store,
    bridge,
  });
  t.after(fleet.close);

  await t.test('during polling: the reason while it is away, then the VMs again', async () => {
    const errors: string[] = [];
    fleet.poller.on('hostError', ({ error }) => errors.push(error.message));
    const before = await fleet.poller.pollHost('tb');
    assert.equal(before.vms.find((v) => v.name === vm)?.state, 'running');

    await stopLibvirtd();
    const away = (await fleet.poller.pollAll(['tb'])).get('tb');
    assert.ok(away instanceof Error, 'the poll fails instead of showing a host without VMs');
    assert.match(away.message, /^virsh on .*:\d+(?: ended \([^)]*\))?: error: \S/);
    assert.deepEqual(errors, [away.message], 'the host shows the reason');
    // The SSH connection itself is fine: only libvirt is away.
    assert.equal(fleet.connections.isConnected('tb'), true);

    await startLibvirtd();
    const back = await waitFor(
      'a poll to succeed again',
      async () => {
        const result = (await fleet.poller.pollAll(['tb'])).get('tb');
        return result instanceof Error ? undefined : result;
      },
      30_000,
      500,
    );
    assert.equal(back.vms.find((v) => v.name === vm)?.state, 'running', 'still listed, running');
    assert.deepEqual(
      back.vms.map((v) => v.name).sort(),
      before.vms.map((v) => v.name).sort(),
      'the same VMs as before the restart',
    );
  });

  await t.test(
    'during a provisioning: failed with the reason, nothing left, the next one works',
    async () => {
      // provision.sh waits while the flag file exists, so libvirtd is away when the VM is defined.
      const flag = join(work, 'hold');
      writeFileSync(flag, '');
      ownAppliance(
        bed,
        store,
        'held',
        `#!/bin/sh\nwhile [ -e ${flag} ]; do sleep 0.2; done\nexit 0\n`,
      );
      const name = `${bed.prefix}lv-define`;
      const { task, result } = fleet.provision('held', name);
      fleet.onProvisionScript(task.id, () => void stopLibvirtd().then(() => rmSync(flag)));
      await assert.rejects(result, /hypervisor|libvirt/i);
      const failed = fleet.inventory.tasks.get(task.id)!;
      assert.equal(failed.status, 'failed');
      assert.match(failed.error ?? '', /failed to connect to the hypervisor/);
      const log = fleet.log(task.id);
      assert.match(log, /Provisioning failed while defining the VM: .*virsh/);
      // Its files are removed; the domain it could not even look for (libvirtd away) is named.
      assert.match(log, /Removed what this task made:\n {2}file .*lv-define-vda\.qcow2/);
      assert.deepEqual(notRemoved(log), [`domain ${name}`]);

      await startLibvirtd();
      assert.deepEqual(await leftovers(bed, name), [], 'no domain was defined either');
      const next = fleet.provision('held', name);
      const made = await next.result;
      assert.ok((await leftovers(bed, name)).includes(`domain ${made.name}`), 'the VM exists');
      await removeProvisioned(bed, made);
    },
  );
});
