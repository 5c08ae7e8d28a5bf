import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FleetVm } from '../../../app/shared/contract/convirt-contract.js';
import { diffHostVms } from '../../../app/shared/contract/fleet-delta.js';

const vm = (name: string, extra: Partial<FleetVm> = {}): FleetVm => ({
  name,
  host: 'h',
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
  tags: [],
  ...extra,
});

test('a delta holds the new and changed VMs and the names gone, nothing unchanged', () => {
  const previous = new Map([
    ['same', vm('same')],
    ['busier', vm('busier')],
    ['tagged', vm('tagged')],
    ['gone', vm('gone')],
  ]);
  const { changedVms, removedVms } = diffHostVms(previous, [
    vm('same'),
    vm('busier', { cpuTimeNs: 2 }),
    vm('tagged', { tags: ['prod'] }),
    vm('new'),
  ]);
  assert.deepEqual(
    changedVms.map((v) => v.name),
    ['busier', 'tagged', 'new'],
  );
  assert.deepEqual(removedVms, ['gone']);
});

test('what is held after a delta keeps the objects of unchanged VMs, and the map if nothing changed', () => {
  const same = vm('same');
  const busier = vm('busier');
  const previous = new Map([
    ['same', same],
    ['busier', busier],
  ]);
  const next = vm('busier', { cpuTimeNs: 2 });
  const { held } = diffHostVms(previous, [vm('same'), next]);
  assert.equal(held.get('same'), same, 'the unchanged VM: the object held before');
  assert.equal(held.get('busier'), next);
  assert.deepEqual([...held.keys()], ['same', 'busier']);
  assert.equal(diffHostVms(held, [vm('same'), vm('busier', { cpuTimeNs: 2 })]).held, held);
  assert.deepEqual([...diffHostVms(held, [vm('same')]).held.keys()], ['same'], 'one gone');
});
