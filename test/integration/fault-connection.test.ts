// The SSH connection to a host dies in the middle of a provisioning, against the test bed's real
// sshd and libvirtd: sshd's process for that connection killed, and the network cut (a relay that
// stops passing anything). The task fails with the reason, the host shows disconnected, ConVirt
// reconnects (with backoff while the host cannot be reached), polling resumes and the next task
// works. What the task made is removed over a new connection, and what it could not remove
// (the network still cut) is named in its log.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { waitFor } from '../bed/process.js';
import { faultEngine, leftovers, removeProvisioned } from '../support/fault-fleet.js';
import { killSshdChildrenOf, NetworkRelay, notRemoved, ownAppliance } from '../support/faults.js';
import { connectToTestbed, testbed } from '../support/testbed.js';

const bed = testbed();
const work = join(bed.runDir, 'fault-connection');
const store = join(work, 'store');
const bridge = `cvfc${process.pid % 100000}`;

/** A ConVirt engine of its own over one host `tb`, reached through `port`. */
const engine = (port: number) =>
  faultEngine(bed, { dataDir: join(work, `data-${port}`), port, store, bridge });

test('connection faults in the middle of a task', { timeout: 240_000 }, async (t) => {
  mkdirSync(store, { recursive: true });
  spawnSync('ip', ['link', 'add', bridge, 'type', 'bridge']);
  // provision.sh sleeps while the flag file exists, so the fault lands inside it.
  const slowFlag = join(work, 'slow');
  ownAppliance(bed, store, 'slow', `#!/bin/sh\n[ -e ${slowFlag} ] && sleep 60\nexit 0\n`);
  spawnSync('touch', [slowFlag]);
  t.after(() => {
    spawnSync('ip', ['link', 'del', bridge]);
    rmSync(work, { recursive: true, force: true });
  });

  await t.test('sshd killed for the connection: failed with the reason, cleaned up', async (t) => {
    const fleet = engine(bed.sshd.port);
    t.after(fleet.close);
    await fleet.poller.pollHost('tb');
    const name = `${bed.prefix}fc-killed`;
    const { task, result } = fleet.provision('slow', name);
    let killed: number[] = [];
    fleet.onProvisionScript(task.id, () => (killed = killSshdChildrenOf(bed.sshd.port)));
    await assert.rejects(result, /The SSH connection to .* was lost/);
    assert.ok(killed.length > 0, 'an sshd process was killed');
    const failed = fleet.inventory.tasks.get(task.id)!;
    assert.equal(failed.status, 'failed');
    assert.match(failed.error ?? '', /The SSH connection to .*:\d+ was lost/);
    // The clean-up ran over a new connection and removed everything, last made first.
    assert.match(
      fleet.log(task.id),
      /Removed what this task made:\n {2}file .*fc-killed-vda\.qcow2\n {2}folder /,
    );
    assert.deepEqual(await leftovers(bed, name), []);
    // Polling goes on, and the next task works.
    assert.ok((await fleet.poller.pollHost('tb')).vms.length >= 0);
    spawnSync('rm', ['-f', slowFlag]);
    const next = fleet.provision('slow', `${bed.prefix}fc-next`);
    const made = await next.result;
    assert.equal(made.name, `${bed.prefix}fc-next`);
    spawnSync('touch', [slowFlag]);
    await removeProvisioned(bed, made);
  });

  await t.test('network cut: disconnected, backoff, reconnected once it is back', async (t) => {
    const relay = await new NetworkRelay(bed.sshd.port).listen();
    const fleet = engine(relay.port);
    t.after(() => {
      fleet.close();
      relay.close();
    });
    const errors: string[] = [];
    fleet.poller.on('hostError', ({ error }) => errors.push(error.message));
    await fleet.poller.pollHost('tb');
    const name = `${bed.prefix}fc-cut`;
    const { task, result } = fleet.provision('slow', name);
    fleet.onProvisionScript(task.id, () => relay.cut());
    await assert.rejects(result, /The SSH connection to .* was lost/);
    assert.equal(fleet.connections.isConnected('tb'), false, 'shown disconnected');
    // The clean-up could not reach the host: what is left is named in the log.
    const log = fleet.log(task.id);
    const named = notRemoved(log);
    assert.ok(
      named.some((n) => /^file .*fc-cut-vda\.qcow2$/.test(n)),
      log,
    );
    assert.ok(
      named.some((n) => /^folder /.test(n)),
      log,
    );
    // While cut: a poll fails; within the backoff the next fails at once, saying when it retries.
    const cutPolls = await fleet.poller.pollAll(['tb']);
    assert.ok(cutPolls.get('tb') instanceof Error);
    await assert.rejects(fleet.poller.pollHost('tb'), /is unreachable \(.*\); next attempt in/);
    assert.ok(errors.length >= 1);

    relay.restore();
    const back = await waitFor(
      'the host to be polled again',
      async () =>
        (await fleet.poller.pollAll(['tb'])).get('tb') instanceof Error ? undefined : true,
      30_000,
      500,
    );
    assert.equal(back, true);
    assert.equal(fleet.connections.isConnected('tb'), true);

    // The operator removes what the log named; the next task works.
    const ssh = await connectToTestbed(bed);
    try {
      for (const thing of named) {
        const [kind, path] = [thing.split(' ')[0], thing.slice(thing.indexOf(' ') + 1)];
        if (kind === 'file' || kind === 'folder') await ssh.run(['rm', '-rf', '--', path]);
      }
    } finally {
      ssh.close();
    }
    assert.deepEqual(await leftovers(bed, name), []);
    spawnSync('rm', ['-f', slowFlag]);
    const next = fleet.provision('slow', name);
    const made = await next.result;
    assert.ok((await leftovers(bed, name)).includes(`domain ${made.name}`), 'the VM exists');
    await removeProvisioned(bed, made);
  });
});
