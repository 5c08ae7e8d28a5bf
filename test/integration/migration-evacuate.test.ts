// A successful evacuation, and many migrations over one pair of connections: the tiny VM (its
// disk in the folder both hosts see) moved a -> b -> a -> b by MigrationService in process, the
// channels each connection holds back at their level before the first after every move, then
// host b evacuated: the VM arrives running on a and its guest agent answers there.
//
// The second host reaches the first at the veth's root-namespace end (`peerAddress`), not at
// 127.0.0.1 where the test bed's sshd listens: ConVirt adds host a at that address, and a
// forwarder here carries it to the sshd, so the `reach` check (b reaches a's SSH port) and
// QEMU's stream (to a's address) work as between two real hosts.
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { FleetService } from '../../app/main/fleet/fleet-service.js';
import { waitForGuestAgent } from '../../app/main/guest-agent/wait-for-agent.js';
import { KvmDriver } from '../../app/main/hypervisors/kvm/kvm-driver.js';
import { Inventory } from '../../app/main/inventory/index.js';
import { MigrationService } from '../../app/main/migration/migration-service.js';
import { HostKeyTrust } from '../../app/main/ssh/host-key-trust.js';
import type { SecondKvmHostInfo } from '../bed/second-kvm-host.js';
import { connectToSecondKvmHost, connectToTestbed, testbed } from '../support/testbed.js';
import { defineTinyVm, removeVm } from '../support/tiny-vm.js';

const bed = testbed();

function secondHost(): SecondKvmHostInfo {
  const second = bed.secondKvmHost;
  if ('unavailable' in second) throw new Error(`No second KVM host: ${second.unavailable}`);
  return second;
}

/** Carries connections to `address:port` on to the test bed's sshd. */
async function forwardToSshd(address: string, port: number): Promise<Server> {
  const server = createServer((client) => {
    const sshd = createConnection(bed.sshd.port, bed.sshd.host);
    client.pipe(sshd).pipe(client);
    client.on('error', () => sshd.destroy());
    sshd.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, resolve);
  });
  return server;
}

test('an evacuation moves the running VM off its host', { timeout: 900_000 }, async (t) => {
  const second = secondHost();
  const dir = join(bed.runDir, 'migration-evacuate');
  mkdirSync(dir, { recursive: true });
  const forwarder = await forwardToSshd(second.peerAddress, bed.sshd.port);
  const a = await connectToTestbed(bed);
  const b = await connectToSecondKvmHost(second);
  const virshA = new KvmDriver(a);
  const virshB = new KvmDriver(b);
  const inventory = Inventory.open({ dataDir: dir });
  const fleet = new FleetService({
    inventory,
    trust: new HostKeyTrust({ userKnownHostsFiles: [], convirtStoreFile: join(dir, 'kh') }),
  });
  const migration = new MigrationService({ fleet, inventory });
  const vm = `${bed.prefix}evacuated`;
  t.after(async () => {
    await removeVm(virshA, vm).catch(() => undefined);
    await removeVm(virshB, vm).catch(() => undefined);
    fleet.close();
    inventory.close();
    a.close();
    b.close();
    forwarder.close();
    rmSync(dir, { recursive: true, force: true });
  });

  await fleet.addHost(
    {
      name: 'a',
      address: second.peerAddress,
      port: bed.sshd.port,
      username: bed.sshd.username,
      authMethod: 'key',
      identityFile: bed.sshd.clientKeyPath,
    },
    { acceptFingerprint: bed.sshd.hostKeyFingerprint },
  );
  await fleet.addHost(
    {
      name: 'b',
      address: second.address,
      port: second.port,
      username: 'root',
      authMethod: 'key',
      identityFile: second.clientKeyPath,
    },
    { acceptFingerprint: second.hostKeyFingerprint },
  );
  await defineTinyVm(a, { ...bed, imagesDir: second.sharedDir }, vm);
  await virshA.start(vm);
  await waitForGuestAgent(virshA, vm, 120_000, 500);

  const held = async () =>
    Promise.all(['a', 'b'].map(async (h) => (await fleet.connections.get(h)).heldChannels));
  // The poll's virsh session on each host is what a connection keeps open between migrations.
  await fleet.poller.pollAll(['a', 'b']);
  const baseline = await held();
  /** Channels close just after their task ends: waits for them, then compares. */
  const assertBaseline = async (after: string) => {
    let now = await held();
    for (let i = 0; i < 50 && now.some((n, j) => n > baseline[j]!); i++) {
      await new Promise((r) => setTimeout(r, 200));
      now = await held();
    }
    assert.deepEqual(now, baseline, `channels held (a, b) after ${after}`);
  };

  for (const [from, to] of [
    ['a', 'b'],
    ['b', 'a'],
    ['a', 'b'],
  ] as const) {
    const { finished } = await migration.migrate({ host: from, vm }, { target: to });
    const task = await finished;
    assert.equal(task.status, 'succeeded', `${from} -> ${to}: ${task.error}`);
    await assertBaseline(`${from} -> ${to}`);
  }

  const started = await migration.evacuate('b');
  assert.equal(started.length, 1);
  const task = await started[0]!.finished;
  assert.equal(task.status, 'succeeded', task.error ?? '');
  assert.equal(await virshA.state(vm), 'running');
  assert.equal(await virshB.migrationEndpoint().exists(vm), false);
  await waitForGuestAgent(virshA, vm, 60_000, 500);
  await assertBaseline('the evacuation');
});
