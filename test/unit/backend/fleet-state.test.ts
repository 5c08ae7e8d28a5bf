// What main tells clients after each poll: only the VMs that changed, numbered events, and a
// snapshot that says which events it holds; the history the charts read is kept meanwhile.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test, type TestContext } from 'node:test';
import { FleetState } from '../../../app/main/backend/fleet-state.js';
import type { FleetService } from '../../../app/main/fleet/fleet-service.js';
import { PerfHistoryStore } from '../../../app/main/fleet/perf-history.js';
import type { HostPolled } from '../../../app/shared/contract/convirt-contract.js';
import type { VmSample } from '../../../app/shared/domain/vm.js';
import { tempDir, tempInventory } from '../inventory/temp-inventory.js';

const sample = (name: string, extra: Partial<VmSample> = {}): VmSample => ({
  name,
  uuid: null,
  state: 'running',
  vcpus: 1,
  memoryMiB: 256,
  maxMemoryMiB: 256,
  cpuTimeNs: 1,
  cpuPercent: 1,
  diskReadBytes: null,
  diskWriteBytes: null,
  netRxBytes: null,
  netTxBytes: null,
  ...extra,
});

/** FleetState over an inventory holding host `h`, a poller to emit from, and the events sent. */
function hostH(t: TestContext) {
  const inventory = tempInventory(t);
  inventory.hosts.add({ name: 'h', address: 'h.example', username: 'root', hypervisor: 'kvm' });
  const poller = new EventEmitter();
  const fleet = { poller, hostFacts: () => new Promise(() => undefined) };
  const state = new FleetState(
    fleet as unknown as FleetService,
    inventory,
    new PerfHistoryStore(tempDir(t)),
  );
  const events: HostPolled[] = [];
  state.on('hostPolled', (e) => events.push(e));
  return { inventory, poller, state, events };
}

test('each poll sends only what changed, numbered; tags come along', async (t) => {
  const { inventory, poller, state, events } = hostH(t);
  inventory.tags.add({ kind: 'vm', id: 'h/b' }, 'prod');

  const before = state.seq;
  poller.emit('poll', { host: 'h', at: 0, vms: [sample('a'), sample('b')] });
  poller.emit('poll', { host: 'h', at: 10_000, vms: [sample('a'), sample('b', { cpuTimeNs: 2 })] });
  poller.emit('poll', { host: 'h', at: 20_000, vms: [sample('b', { cpuTimeNs: 2 })] });

  assert.deepEqual(
    events.map((e) => [e.changedVms?.map((v) => v.name), e.removedVms]),
    [
      [['a', 'b'], []],
      [['b'], []],
      [[], ['a']],
    ],
  );
  assert.deepEqual(events[0]!.changedVms![1]!.tags, ['prod']);
  assert.deepEqual(
    events.map((e) => e.seq),
    [before + 1, before + 2, before + 3],
  );
  assert.equal(state.seq, before + 3, 'a snapshot now holds every event sent');
  assert.equal(
    (await state.history.vmHistory('h', 'b')).points.length,
    3,
    'the charts get every poll (10 s apart)',
  );
  await state.dispose();
});

test("a VM's new tags go out as a poll that changed only that VM", async (t) => {
  const { inventory, poller, state, events } = hostH(t);
  state.vmTagsChanged('h'); // not polled yet: nothing to say
  poller.emit('poll', { host: 'h', at: 0, vms: [sample('a'), sample('b')] });

  inventory.tags.add({ kind: 'vm', id: 'h/b' }, 'prod');
  state.vmTagsChanged('h');
  assert.equal(events.length, 2);
  assert.deepEqual(
    events[1]!.changedVms?.map((vm) => [vm.name, vm.tags]),
    [['b', ['prod']]],
  );
  assert.equal(events[1]!.status, 'connected');
  assert.deepEqual(
    state.sentVms('h').map((vm) => [vm.name, vm.tags]),
    [
      ['a', []],
      ['b', ['prod']],
    ],
    'what clients hold of the host now',
  );
  await state.dispose();
});

test('a removed host stays gone when its facts or a poll answer after the removal', async (t) => {
  const { inventory, poller, state, events } = hostH(t);
  poller.emit('poll', { host: 'h', at: 0, vms: [sample('a')] });
  assert.equal(events.length, 1);

  inventory.hosts.remove('h');
  state.forget('h');
  state.setFacts('h', { hypervisor: 'kvm' } as never);
  state.connecting('h');
  poller.emit('poll', { host: 'h', at: 10_000, vms: [sample('a')] });
  assert.equal(events.length, 1, 'nothing sent for the removed host');
  await state.dispose();
});
