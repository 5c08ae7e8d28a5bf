import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  buildTreeRows,
  groupPath,
  runningCount,
  type TreeInput,
  type TreeRow,
} from '../../../app/renderer/src/fleet-tree/tree-rows.js';
import { useFleetStore } from '../../../app/renderer/src/store/fleet-store.js';
import type { FleetSnapshot } from '../../../app/shared/contract/convirt-contract.js';
import { bigFleet, group, host, vm } from './fleet-fixtures.js';

function input(snapshot: FleetSnapshot, extra: Partial<TreeInput> = {}): TreeInput {
  useFleetStore.getState().loadFleet(snapshot);
  const s = useFleetStore.getState();
  return {
    groups: s.groups,
    hosts: s.hosts,
    hostNames: s.hostNames,
    vmsByHost: s.vmsByHost,
    vmKeysByHost: s.vmKeysByHost,
    expanded: new Set(),
    collapsed: new Set(),
    query: '',
    filter: 'all',
    ...extra,
  };
}

const ids = (rows: TreeRow[]) => rows.map((r) => `${'  '.repeat(r.level - 1)}${r.id}`);

const fleet: FleetSnapshot = {
  groups: [group(1, 'Lab'), group(2, 'Rack 1', 1), group(3, 'Empty')],
  hosts: [
    host('web1', { groupId: 2, tags: ['prod'] }),
    host('db1', { groupId: 1, status: 'unreachable' }),
    host('spare'),
  ],
  vms: [
    vm('web1', 'nginx'),
    vm('web1', 'cache', 'shutoff'),
    vm('db1', 'pg', 'running', { tags: ['database'] }),
  ],
  seq: 0,
};

test('data center > pools (nested, sorted) > hosts; hosts start collapsed', () => {
  const rows = buildTreeRows(input(fleet));
  assert.deepEqual(ids(rows), [
    'datacenter',
    '  pool:3',
    '  pool:1',
    '    pool:2',
    '      host:web1',
    '    host:db1',
    '  host:spare',
  ]);
  const web1 = rows.find((r) => r.id === 'host:web1');
  assert.ok(web1?.kind === 'host');
  assert.equal(web1.expanded, false);
  assert.equal(web1.vmCount, 2);
  assert.equal(runningCount(web1.vms), 1);
  const lab = rows.find((r) => r.id === 'pool:1');
  assert.ok(lab?.kind === 'pool');
  assert.deepEqual([lab.hostCount, lab.upCount], [2, 1], 'nested pools count');
  assert.deepEqual(
    rows.filter((r) => r.level === 2).map((r) => [r.posInSet, r.setSize]),
    [
      [1, 3],
      [2, 3],
      [3, 3],
    ],
  );
});

test('an expanded host lists its VMs; a collapsed pool hides what it holds', () => {
  const rows = buildTreeRows(
    input(fleet, { expanded: new Set(['host:web1']), collapsed: new Set(['pool:2']) }),
  );
  assert.ok(!rows.some((r) => r.id === 'host:web1'), 'inside the collapsed Rack 1');
  const open = buildTreeRows(input(fleet, { expanded: new Set(['host:web1']) }));
  assert.deepEqual(
    open.filter((r) => r.parentId === 'host:web1').map((r) => r.id),
    ['vm:web1/cache', 'vm:web1/nginx'],
  );
});

test('search finds VMs by name or tag, opening their host and hiding the rest', () => {
  const rows = buildTreeRows(input(fleet, { query: 'DATA' }));
  assert.deepEqual(ids(rows), ['datacenter', '  pool:1', '    host:db1', '      vm:db1/pg']);
  const byHostTag = buildTreeRows(input(fleet, { query: 'prod' }));
  assert.ok(byHostTag.some((r) => r.id === 'host:web1'));
});

test('filters: running VMs, stopped VMs, unreachable hosts', () => {
  const running = buildTreeRows(input(fleet, { filter: 'running' }));
  assert.deepEqual(
    running.filter((r) => r.kind === 'vm').map((r) => r.id),
    ['vm:web1/nginx', 'vm:db1/pg'],
  );
  assert.ok(!running.some((r) => r.id === 'host:spare'), 'a host with no match is hidden');
  const stopped = buildTreeRows(input(fleet, { filter: 'stopped' }));
  assert.deepEqual(
    stopped.filter((r) => r.kind === 'vm').map((r) => r.id),
    ['vm:web1/cache'],
  );
  const down = buildTreeRows(input(fleet, { filter: 'unreachable' }));
  assert.deepEqual(
    down.filter((r) => r.kind === 'host').map((r) => r.id),
    ['host:db1'],
  );
});

test('pool paths name every parent; a cycle cannot loop forever', () => {
  const groups = { 1: group(1, 'Lab'), 2: group(2, 'Rack 1', 1) };
  assert.equal(groupPath(groups, 2), 'Lab/Rack 1');
  const cyclic = { 1: group(1, 'a', 2), 2: group(2, 'b', 1) };
  assert.ok(groupPath(cyclic, 1).length < 1000);
});

test('5,000 VMs: collapsed hosts give one row per host; a search opens only the matches', () => {
  const big = input(bigFleet(100, 50));
  assert.equal(buildTreeRows(big).filter((r) => r.kind === 'vm').length, 0);
  const found = buildTreeRows({ ...big, query: 'vm17' });
  assert.equal(found.filter((r) => r.kind === 'vm').length, 100);
});
