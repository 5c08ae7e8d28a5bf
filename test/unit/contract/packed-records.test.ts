// Packed records (getFleet's VMs, a poll's changed VMs over browser mode's WebSocket): what is
// packed comes back as it was, through the wire codec too; records that do not fit the table stay
// records; a malformed form is refused with a plain error.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FleetSnapshot, FleetVm } from '../../../app/shared/contract/convirt-contract.js';
import {
  fleetSnapshotPacking,
  hostPolledPacking,
  packRecords,
  unpackRecords,
} from '../../../app/shared/contract/packed-records.js';
import { decodeWire, encodeWire } from '../../../app/shared/contract/wire.js';
import { vm as fleetVm } from '../renderer/fleet-fixtures.js';

/** A VM of host kvm1 with numbers, nulls and tags in its fields (the fixture's, filled in). */
const vm = (name: string, overrides: Partial<FleetVm> = {}): FleetVm =>
  fleetVm('kvm1', name, 'running', {
    vcpus: 2,
    cpuTimeNs: 5_000_000_000,
    cpuPercent: 1.5,
    diskWriteBytes: 0,
    netRxBytes: 12,
    netTxBytes: 34,
    tags: ['web', 'prod'],
    ...overrides,
  });

const overTheWire = (value: unknown) => decodeWire(encodeWire(value));

test('records with the same fields become rows under one list of field names', () => {
  const packed = packRecords([vm('a'), vm('b', { state: 'shutoff', tags: [] })]);
  assert.deepEqual(packed.fields, Object.keys(vm('a')));
  assert.deepEqual(packed.rows[1], Object.values(vm('b', { state: 'shutoff', tags: [] })));
  assert.deepEqual(unpackRecords(overTheWire(packed)), [
    vm('a'),
    vm('b', { state: 'shutoff', tags: [] }),
  ]);
});

test('a record with other fields, another order or an undefined value stays a record', () => {
  const odd = [
    { a: 1, b: 2 },
    { b: 2, a: 1 },
    { a: 1 },
    { a: 1, b: undefined },
    { a: 1, b: 2, c: 3 },
    { a: 1, b: null },
  ];
  const packed = packRecords(odd);
  assert.deepEqual(packed.rows, [
    [1, 2],
    { b: 2, a: 1 },
    { a: 1 },
    { a: 1, b: undefined },
    odd[4],
    [1, null],
  ]);
  // As JSON would have carried them: the undefined value's field is left out.
  assert.deepEqual(unpackRecords(overTheWire(packed)), JSON.parse(JSON.stringify(odd)));
  assert.deepEqual(unpackRecords(packRecords([])), []);
});

test('the same bytes survive packed, and field names starting with $ are plain names', () => {
  const records = [
    { $ref: 'x', data: new Uint8Array([0, 255]) },
    { $ref: 'y', data: new Uint8Array([7]) },
  ];
  assert.deepEqual(unpackRecords(overTheWire(packRecords(records))), records);
});

test('a malformed packed form is refused with a plain error, never half read', () => {
  for (const bad of [
    null,
    [],
    { fields: ['a'] },
    { rows: [] },
    { fields: [1], rows: [] },
    { fields: ['__proto__'], rows: [[{ polluted: true }]] },
    { fields: ['a', 'b'], rows: [[1]] },
    { fields: ['a'], rows: ['text'] },
  ]) {
    assert.throws(
      () => unpackRecords(bad),
      /^Error: Malformed packed records/,
      JSON.stringify(bad),
    );
  }
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test("getFleet's snapshot and a poll's event: only the VM lists are packed", () => {
  const snapshot: FleetSnapshot = { groups: [], hosts: [], vms: [vm('a'), vm('b')], seq: 7 };
  const packed = overTheWire(fleetSnapshotPacking.pack(snapshot)) as Record<string, unknown>;
  assert.deepEqual(Object.keys(packed.vms as object), ['fields', 'rows']);
  assert.deepEqual(fleetSnapshotPacking.unpack(packed), snapshot);
  assert.throws(() => fleetSnapshotPacking.unpack(null), /Malformed fleet snapshot/);

  const polled = { host: 'kvm1', status: 'connected', error: null, polledAt: 1, seq: 8 } as const;
  const changed = { ...polled, changedVms: [vm('a')], removedVms: ['c'] };
  assert.deepEqual(hostPolledPacking.unpack(overTheWire(hostPolledPacking.pack(changed))), changed);
  assert.deepEqual(hostPolledPacking.unpack(overTheWire(hostPolledPacking.pack(polled))), polled);
});
