// A host rebooted: its sshd (one of this test's own, with its sessions) and its libvirtd (the
// bed's) stopped, away for some seconds, then started again, while ConVirt (openConvirt) polls
// every second. The host shows unreachable with the reason, ConVirt reconnects with backoff,
// polling resumes with the VMs listed, and a task on a VM works after.
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { KvmDriver } from '../../app/main/hypervisors/kvm/kvm-driver.js';
import { ensureLibvirtDaemons, stopLibvirtd } from '../bed/daemons.js';
import { isAlive } from '../bed/process.js';
import { startSshd } from '../bed/sshd.js';
import { polledConvirt } from '../support/fault-fleet.js';
import { restartSshd, stopSshdWithSessions } from '../support/faults.js';
import { connectToTestbed, testbed } from '../support/testbed.js';
import { defineTinyVm, removeVm } from '../support/tiny-vm.js';

const bed = testbed();
const work = join(bed.runDir, 'fault-reboot');
/** How long the host stays away. */
const AWAY_MS = 6_000;

test(
  'a host rebooted: disconnected, reconnected with backoff, a task works after',
  { timeout: 180_000 },
  async (t) => {
    mkdirSync(work, { recursive: true });
    const sshd = await startSshd(join(work, 'sshd'));
    const ssh = await connectToTestbed(bed);
    const vm = `${bed.prefix}reboot`;
    const disk = await defineTinyVm(ssh, bed, vm);
    const { service, polled, next, close } = polledConvirt(work);
    t.after(async () => {
      close();
      try {
        await ensureLibvirtDaemons(() => undefined);
        await removeVm(new KvmDriver(ssh), vm);
        await ssh.run(['rm', '-f', disk]);
      } finally {
        ssh.close();
        if (isAlive(sshd.pid)) stopSshdWithSessions(sshd.pid);
        rmSync(work, { recursive: true, force: true });
      }
    });

    await service.addHost({
      name: 'rb',
      address: '127.0.0.1',
      port: sshd.port,
      username: sshd.username,
      authMethod: 'key',
      identityFile: sshd.clientKeyPath,
      hypervisor: 'kvm',
      acceptFingerprint: sshd.hostKeyFingerprint,
    });
    await next('connected', 0);
    assert.ok((await service.getFleet()).vms.some((v) => v.host === 'rb' && v.name === vm));

    // The host goes down: its services stop, its sessions end.
    const before = polled.length;
    stopSshdWithSessions(sshd.pid);
    await stopLibvirtd();
    const down = await next('unreachable', before);
    assert.match(down.error ?? '', /lost|ECONNREFUSED|Cannot connect|virsh on/);
    await new Promise((resolve) => setTimeout(resolve, AWAY_MS));
    const whileAway = polled.slice(polled.indexOf(down));
    assert.ok(
      whileAway.every((p) => p.status !== 'connected'),
      'never connected while away',
    );
    // Backoff: between attempts, a poll fails at once saying when the next attempt is.
    const waiting = whileAway.filter((p) => /; next attempt in \d+ s\.$/.test(p.error ?? ''));
    assert.ok(waiting.length >= 1, whileAway.map((p) => p.error).join('\n'));
    assert.ok(waiting.length < whileAway.length, 'some polls were real attempts');

    // It comes back: libvirtd first, then sshd, as a boot starts them.
    const away = polled.length;
    await ensureLibvirtDaemons(() => undefined);
    sshd.pid = await restartSshd(sshd);
    const up = await next('connected', away, 60_000);
    const upAt = polled.indexOf(up);
    assert.ok(up.polledAt !== null);
    assert.ok(
      (await service.getFleet()).vms.some((v) => v.host === 'rb' && v.name === vm),
      'its VMs are listed again',
    );

    // A task works after: the VM starts.
    const task = await service.vmAction({ host: 'rb', vm }, 'start');
    const { task: done } = await service.waitForTask(task.id);
    assert.equal(done.status, 'succeeded', done.error ?? '');
    await next('connected', upAt);
    assert.equal(await new KvmDriver(ssh).state(vm), 'running');
  },
);
