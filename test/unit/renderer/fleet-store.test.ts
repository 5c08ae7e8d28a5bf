import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { describeTask, useFleetStore } from '../../../app/renderer/src/store/fleet-store.js';
import { vmOf, type VmKey } from '../../../app/renderer/src/store/vm-key.js';
import { gridRows } from '../../../app/renderer/src/host-view/vm-grid-rows.js';
import type { HostPolled } from '../../../app/shared/contract/convirt-contract.js';
import type { Task } from '../../../app/shared/domain/inventory.js';
import { bigFleet, group, host, vm } from './fleet-fixtures.js';

const store = () => useFleetStore.getState();
const initial = useFleetStore.getState();

function task(id: string, status: Task['status'], error: string | null = null): Task {
  return {
    id,
    kind: 'vm.start',
    target: 'a/one',
    status,
    progress: null,
    message: null,
    error,
    createdAt: '2026-01-01T00:00:00Z',
    startedAt: null,
    endedAt: null,
  };
}

beforeEach(() => useFleetStore.setState(initial, true));

/** One hostPolled event, numbered after the store's last one. */
const polled = (event: Omit<HostPolled, 'seq'>) =>
  store().applyHostPolls([{ ...event, seq: store().seq + 1 }]);

test('getFleet is normalized: hosts by name, VMs by host then name, sorted key lists', () => {
  store().loadFleet({
    groups: [group(1, 'Rack')],
    hosts: [host('b'), host('a')],
    vms: [vm('a', 'vm10'), vm('a', 'vm2'), vm('b', 'x')],
    seq: 0,
  });
  const s = store();
  assert.equal(s.loaded, true);
  assert.deepEqual(s.hostNames, ['a', 'b']);
  assert.deepEqual(s.vmKeysByHost.a, ['a/vm2', 'a/vm10']);
  assert.equal(vmOf(s.vmsByHost, 'a/vm2')?.name, 'vm2');
  assert.equal(s.groups[1]?.name, 'Rack');
});

test("a host's VMs are in the grid's natural name order, whatever order they came in", () => {
  const names = ['web10', 'Web2', 'web2', 'db_1', 'db-1', 'db1', 'db.1', 'web1'];
  const load = (order: string[]) => {
    useFleetStore.setState(initial, true);
    store().loadFleet({
      groups: [],
      hosts: [host('a')],
      vms: order.map((n) => vm('a', n)),
      seq: 0,
    });
    return store().vmKeysByHost.a!;
  };
  const expected = ['a/db-1', 'a/db.1', 'a/db1', 'a/db_1', 'a/web1', 'a/Web2', 'a/web2', 'a/web10'];
  assert.deepEqual(load(names), expected);
  assert.deepEqual(load([...names].reverse()), expected, 'names differing in case: one order');
  const byGrid = gridRows(load(names), store().vmsByHost, '', {
    column: 'name',
    direction: 'ascending',
  });
  assert.deepEqual(byGrid, expected, "the tree's order is the grid's");
  polled({
    host: 'a',
    status: 'connected',
    error: null,
    polledAt: 2,
    changedVms: [vm('a', 'web3')],
  });
  assert.deepEqual(store().vmKeysByHost.a, [...expected.slice(0, 7), 'a/web3', 'a/web10']);
});

test("a host's poll replaces only its VMs; unchanged VMs and other hosts keep their objects", () => {
  store().loadFleet({
    groups: [],
    hosts: [host('a'), host('b')],
    vms: [vm('a', 'one'), vm('a', 'two'), vm('b', 'x')],
    seq: 0,
  });
  const before = store();
  polled({
    host: 'a',
    status: 'connected',
    error: null,
    polledAt: 1000,
    changedVms: [vm('a', 'one'), vm('a', 'two', 'shutoff'), vm('a', 'three')],
  });
  const after = store();
  assert.equal(
    vmOf(after.vmsByHost, 'a/one'),
    vmOf(before.vmsByHost, 'a/one'),
    'unchanged VM keeps its identity',
  );
  assert.notEqual(vmOf(after.vmsByHost, 'a/two'), vmOf(before.vmsByHost, 'a/two'));
  assert.equal(vmOf(after.vmsByHost, 'a/two')?.state, 'shutoff');
  assert.equal(after.vmsByHost.b, before.vmsByHost.b, "host b's VMs are untouched");
  assert.equal(after.vmKeysByHost.b, before.vmKeysByHost.b, "host b's key list is untouched");
  assert.deepEqual(after.vmKeysByHost.a, ['a/one', 'a/three', 'a/two']);
  assert.equal(after.hosts.a?.polledAt, 1000);
});

test('a VM reported removed leaves the store; a failed poll changes only the status', () => {
  store().loadFleet({
    groups: [],
    hosts: [host('a')],
    vms: [vm('a', 'one'), vm('a', 'two')],
    seq: 0,
  });
  polled({
    host: 'a',
    status: 'connected',
    error: null,
    polledAt: 1,
    changedVms: [],
    removedVms: ['two'],
  });
  assert.equal(vmOf(store().vmsByHost, 'a/two'), undefined);
  assert.ok(vmOf(store().vmsByHost, 'a/one'));
  assert.deepEqual(store().vmKeysByHost.a, ['a/one']);
  const vms = store().vmsByHost;
  polled({ host: 'a', status: 'unreachable', error: 'refused', polledAt: 2 });
  assert.equal(store().hosts.a?.status, 'unreachable');
  assert.equal(store().hosts.a?.error, 'refused');
  assert.equal(store().vmsByHost, vms);
});

test('events for a host not loaded yet are ignored (fleetChanged will bring it)', () => {
  polled({ host: 'new', status: 'connected', error: null, polledAt: 1, changedVms: [] });
  assert.deepEqual(store().hosts, {});
});

test('events the snapshot holds are skipped; a gap asks for a new snapshot', () => {
  store().loadFleet({ groups: [], hosts: [host('a')], vms: [vm('a', 'one')], seq: 10 });
  const stale = { host: 'a', status: 'connected', error: null, polledAt: 1 } as const;
  assert.equal(store().applyHostPolls([{ ...stale, seq: 9, removedVms: ['one'] }]), true);
  assert.ok(vmOf(store().vmsByHost, 'a/one'), 'an event older than the snapshot changes nothing');
  assert.equal(store().applyHostPolls([{ ...stale, seq: 11 }]), true);
  assert.equal(store().seq, 11);
  assert.equal(store().applyHostPolls([{ ...stale, seq: 13 }]), false, 'event 12 is missing');
});

test('before the first snapshot, events are left to it', () => {
  const event = { host: 'a', status: 'connected', error: null, polledAt: 1, seq: 1 } as const;
  assert.equal(store().applyHostPolls([event]), true);
  assert.equal(store().seq, 0);
});

test('tasks: newest first, updated in place; a failure raises one error notice', () => {
  store().applyTask(task('t1', 'running'));
  store().applyTask(task('t2', 'running'));
  store().applyTask(task('t1', 'failed', 'domain not found'));
  store().applyTask(task('t1', 'failed', 'domain not found'));
  assert.deepEqual(store().taskIds, ['t2', 't1']);
  assert.equal(store().tasks.t1?.status, 'failed');
  assert.equal(store().notices.length, 1);
  assert.equal(store().notices[0]?.kind, 'error');
  assert.match(store().notices[0]!.text, /Start a\/one failed: domain not found/);
  store().dismissNotice(store().notices[0]!.id);
  assert.deepEqual(store().notices, []);
});

test('task logs append in order and ignore entries already held', () => {
  const entry = (seq: number) => ({ seq, at: '', stream: 'stdout' as const, text: `line ${seq}` });
  store().appendTaskLog('t', [entry(1), entry(2)]);
  store().appendTaskLog('t', [entry(2), entry(3)]);
  assert.deepEqual(
    store().taskLogs.t?.map((e) => e.seq),
    [1, 2, 3],
  );
});

test('task titles use the words of the buttons', () => {
  assert.equal(describeTask({ kind: 'vm.start', target: 'a/b' }), 'Start a/b');
  assert.equal(describeTask({ kind: 'vm.shutdown', target: 'a/b' }), 'Shut down a/b');
  assert.equal(describeTask({ kind: 'vm.destroy', target: 'a/b' }), 'Force off a/b');
  assert.equal(describeTask({ kind: 'vm.iso.attach', target: 'a/b' }), 'Insert ISO into a/b');
  assert.equal(describeTask({ kind: 'vm.clone', target: 'a/b' }), 'Clone a/b');
});

test('5,000 VMs over 100 hosts load, and one host poll touches only its 50 entries', () => {
  store().loadFleet(bigFleet(100, 50));
  assert.equal(Object.values(store().vmsByHost).flatMap((vms) => Object.keys(vms)).length, 5000);
  const before = store();
  polled({
    host: 'node7',
    status: 'connected',
    error: null,
    polledAt: 5,
    changedVms: [vm('node7', 'vm3', 'running')],
  });
  const after = store();
  const changed = after.hostNames.flatMap((h) =>
    Object.entries(after.vmsByHost[h]!)
      .filter(([key, v]) => v !== vmOf(before.vmsByHost, key as VmKey))
      .map(([key]) => key),
  );
  assert.deepEqual(changed, ['node7/vm3']);
  const changedMaps = after.hostNames.filter((h) => after.vmsByHost[h] !== before.vmsByHost[h]);
  assert.deepEqual(changedMaps, ['node7'], "only node7's VM map is new");
  const changedLists = after.hostNames.filter(
    (h) => after.vmKeysByHost[h] !== before.vmKeysByHost[h],
  );
  assert.deepEqual(changedLists, [], 'no VM came or went: the key lists are untouched');
  assert.equal(after.vmKeysByHost, before.vmKeysByHost, 'so is the index of key lists');
});

test("a new snapshot of the same fleet keeps each unchanged host's VM map and key list", () => {
  store().loadFleet(bigFleet(3, 4));
  const before = store();
  const again = bigFleet(3, 4);
  again.vms = again.vms.map((v) =>
    v.host === 'node2' && v.name === 'vm1' ? { ...v, vcpus: 8 } : v,
  );
  store().loadFleet(again);
  const after = store();
  assert.equal(after.vmsByHost.node1, before.vmsByHost.node1);
  assert.notEqual(after.vmsByHost.node2, before.vmsByHost.node2);
  assert.equal(vmOf(after.vmsByHost, 'node2/vm2'), vmOf(before.vmsByHost, 'node2/vm2'));
  assert.equal(after.vmKeysByHost.node2, before.vmKeysByHost.node2);
});

test('a burst of polls is applied in one update', () => {
  store().loadFleet({ groups: [], hosts: [host('a'), host('b')], vms: [], seq: 0 });
  let updates = 0;
  const off = useFleetStore.subscribe(() => updates++);
  store().applyHostPolls([
    {
      host: 'a',
      status: 'connected',
      error: null,
      polledAt: 1,
      changedVms: [vm('a', 'one')],
      seq: 1,
    },
    { host: 'b', status: 'unreachable', error: 'timeout', polledAt: 1, seq: 2 },
    { host: 'gone', status: 'connected', error: null, polledAt: 1, changedVms: [], seq: 3 },
  ]);
  off();
  assert.equal(updates, 1);
  assert.equal(vmOf(store().vmsByHost, 'a/one')?.name, 'one');
  assert.equal(store().hosts.b?.status, 'unreachable');
});

test('an inventory change applies what changed: pools, hosts with their VMs, hosts removed', () => {
  store().loadFleet({
    groups: [group(1, 'Rack')],
    hosts: [host('a'), host('b')],
    vms: [vm('a', 'one'), vm('a', 'two'), vm('b', 'x')],
    seq: 5,
  });
  const one = vmOf(store().vmsByHost, 'a/one');
  store().applyFleetChange({
    groups: [group(1, 'Rack'), group(2, 'Row')],
    hosts: [host('c'), host('a', { groupId: 2 })],
    vms: [vm('c', 'new'), vm('a', 'one')],
    removedHosts: ['b'],
  });
  const s = store();
  assert.deepEqual(s.hostNames, ['a', 'c']);
  assert.equal(s.hosts.a?.groupId, 2);
  assert.equal(s.groups[2]?.name, 'Row');
  assert.deepEqual(s.vmKeysByHost, { a: ['a/one'], c: ['c/new'] });
  assert.deepEqual(Object.keys(s.vmsByHost).sort(), ['a', 'c']);
  assert.deepEqual(Object.keys(s.vmsByHost.a!), ['a/one']);
  assert.deepEqual(Object.keys(s.vmsByHost.c!), ['c/new']);
  assert.equal(vmOf(s.vmsByHost, 'a/one'), one, 'an unchanged VM keeps its object');
  assert.equal(s.seq, 5, 'poll numbering is not touched');

  store().applyFleetChange({ hosts: [host('c', { tags: ['prod'] })] });
  assert.deepEqual(store().hosts.c?.tags, ['prod']);
  assert.deepEqual(store().vmKeysByHost.c, ['c/new'], 'without vms, VMs stay');
  assert.equal(store().groups[2]?.name, 'Row', 'without groups, pools stay');
  const { vmsByHost, vmKeysByHost, hostNames } = store();
  store().applyFleetChange({ hosts: [host('a', { tags: ['db'] })] });
  assert.equal(store().vmsByHost, vmsByHost, 'a host tagged leaves the VM maps as they were');
  assert.equal(store().vmKeysByHost, vmKeysByHost);
  assert.equal(store().hostNames, hostNames, 'and the host names');
});

test('an inventory change before the snapshot is left to the snapshot', () => {
  store().applyFleetChange({ hosts: [host('a')] });
  assert.equal(store().loaded, false);
  assert.deepEqual(store().hostNames, []);
});
