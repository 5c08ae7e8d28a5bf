import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fleetStats } from '../../../app/renderer/src/dashboard/fleet-stats.js';
import { gridRows } from '../../../app/renderer/src/host-view/vm-grid-rows.js';
import { vmKey } from '../../../app/renderer/src/store/vm-key.js';
import { byHost, host, vm } from './fleet-fixtures.js';

const fleetVms = [
  vm('a', 'web10', 'running', { cpuPercent: 5, tags: ['prod'] }),
  vm('a', 'web2', 'running', { cpuPercent: 50 }),
  vm('a', 'db', 'shutoff'),
];
const vms = byHost(...fleetVms);
const keys = fleetVms.map((v) => vmKey(v.host, v.name));

test('grid rows sort by any column, numbers as numbers, names naturally', () => {
  assert.deepEqual(gridRows(keys, vms, '', { column: 'name', direction: 'ascending' }), [
    'a/db',
    'a/web2',
    'a/web10',
  ]);
  assert.deepEqual(gridRows(keys, vms, '', { column: 'cpu', direction: 'descending' }), [
    'a/web2',
    'a/web10',
    'a/db',
  ]);
});

test('rows with equal values keep the order of the keys (host, then name), either direction', () => {
  const tied = [vm('b', 'x'), vm('a10', 'x'), vm('a2', 'y'), vm('a2', 'x')];
  const tiedKeys = ['a2/x', 'a2/y', 'a10/x', 'b/x'] as const;
  const held = byHost(...tied);
  for (const direction of ['ascending', 'descending'] as const) {
    assert.deepEqual(gridRows(tiedKeys, held, '', { column: 'vcpus', direction }), tiedKeys);
  }
  assert.deepEqual(gridRows(tiedKeys, held, '', { column: 'name', direction: 'descending' }), [
    'a2/y',
    'a2/x',
    'a10/x',
    'b/x',
  ]);
});

test('the grid filter matches name, state and tags', () => {
  const sort = { column: 'name', direction: 'ascending' } as const;
  assert.deepEqual(gridRows(keys, vms, 'PROD', sort), ['a/web10']);
  assert.deepEqual(gridRows(keys, vms, 'shutoff', sort), ['a/db']);
  assert.deepEqual(gridRows(keys, vms, 'web', sort), ['a/web2', 'a/web10']);
});

test('dashboard numbers: hosts up and down, VMs by state, host CPU share, busiest first', () => {
  const facts = {
    hostname: 'a',
    hypervisor: 'kvm' as const,
    hypervisorVersion: '9',
    cpuCount: 2,
    cpuModel: 'x',
    memoryTotalMiB: 1000,
    memoryFreeMiB: 250,
    storagePools: [],
    networks: [],
    capabilities: [],
  };
  const stats = fleetStats(
    { a: { ...host('a'), facts }, b: host('b', { status: 'unreachable' }) },
    ['a', 'b'],
    vms,
  );
  assert.deepEqual([stats.hostsUp, stats.hostsDown, stats.vmCount], [1, 1, 3]);
  assert.deepEqual([stats.vmsByState.running, stats.vmsByState.shutoff], [2, 1]);
  assert.equal(stats.hostLoads[0]?.cpu, 55 / 200);
  assert.equal(stats.hostLoads[0]?.memoryUsedMiB, 750);
  assert.deepEqual(
    stats.busiest.map((v) => v.name),
    ['web2', 'web10'],
  );
});
