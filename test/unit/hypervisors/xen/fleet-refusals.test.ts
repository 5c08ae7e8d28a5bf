// What has no xl equivalent is refused on Xen hosts before anything runs: no connection, no
// task, and the reason in the error. (The same against the real Xen host: xen-host.test.ts.)
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { FleetService } from '../../../../app/main/fleet/fleet-service.js';
import { NotSupportedError } from '../../../../app/main/hypervisors/driver.js';
import { HostKeyTrust } from '../../../../app/main/ssh/host-key-trust.js';
import { tempDir, tempInventory } from '../../inventory/temp-inventory.js';

test('snapshots, guest agent, autostart, ISO and clone are refused on a Xen host', async (t) => {
  const dir = tempDir(t);
  const inventory = tempInventory(t, { dataDir: dir });
  // An address nothing listens on: any connection attempt would fail the test differently.
  inventory.hosts.add({ name: 'xen1', address: '192.0.2.1', username: 'root', hypervisor: 'xen' });
  const fleet = new FleetService({
    inventory,
    trust: new HostKeyTrust({ userKnownHostsFiles: [], convirtStoreFile: join(dir, 'kh') }),
  });
  t.after(() => fleet.close());

  // Refusals come before any task starts (some synchronously): each call is wrapped.
  const refusals: Array<[() => unknown, string, RegExp]> = [
    [() => fleet.snapshot('xen1', 'vm1', 'create', 'before'), 'snapshot', /no snapshots/],
    [() => fleet.snapshotList('xen1', 'vm1'), 'snapshot', /no snapshots/],
    [() => fleet.setUserPassword('xen1', 'vm1', 'root', 'secret'), 'guestAgent', /guest agent/],
    [() => fleet.addGuestAgentChannel('xen1', 'vm1'), 'guestAgent', /guest agent/],
    [() => fleet.setAutostart('xen1', 'vm1', true), 'autostart', /\/etc\/xen\/auto/],
    [() => fleet.setIso('xen1', 'vm1', '/srv/a.iso'), 'iso', /CD-ROM/],
    [() => fleet.clone('xen1', 'vm1', 'vm2', 'overlay'), 'clone', /libvirt only/],
  ];
  for (const [call, operation, reason] of refusals) {
    await assert.rejects(
      async () => {
        await call();
      },
      (err: unknown) => {
        assert.ok(err instanceof NotSupportedError);
        assert.equal(err.operation, operation);
        assert.equal(err.hypervisor, 'xen');
        assert.match(err.message, /^xen1: /);
        assert.match(err.message, reason);
        return true;
      },
    );
  }
  assert.deepEqual(inventory.tasks.list({ limit: 50 }), [], 'no task was started');
});
