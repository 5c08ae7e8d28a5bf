import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PerfHistoryStore } from '../../../app/main/fleet/perf-history.js';
import type { VmSample } from '../../../app/shared/domain/vm.js';

function sample(name: string, extra: Partial<VmSample> = {}): VmSample {
  return {
    name,
    uuid: null,
    state: 'running',
    vcpus: 1,
    memoryMiB: 256,
    maxMemoryMiB: 256,
    cpuTimeNs: null,
    cpuPercent: 10,
    diskReadBytes: 0,
    diskWriteBytes: 0,
    netRxBytes: null,
    netTxBytes: null,
    ...extra,
  };
}

test('a VM keeps every poll with rates from its counters; a reset gives no rate', () => {
  const store = new PerfHistoryStore({ pollStepMs: 1000 });
  const polls = [
    [0, 0],
    [2000, 4000],
    [3000, 100], // counter reset (the VM restarted)
    [4000, 1100],
  ] as const;
  for (const [at, read] of polls) {
    store.record({ host: 'h', at, vms: [sample('a', { diskReadBytes: read })] });
  }
  const { points } = store.vmHistory('h', 'a');
  assert.deepEqual(
    points.map((p) => [p.at, p.diskBytesPerSec]),
    [
      [0, null],
      [2000, 2000],
      [3000, null],
      [4000, 1000],
    ],
  );
  assert.equal(points[0]!.netBytesPerSec, null, 'no network counters, no network rate');
  assert.equal(points[0]!.cpuPercent, 10);
});

test('polls closer than the step share one point; the host sums its running VMs', () => {
  const store = new PerfHistoryStore({ pollStepMs: 10_000 });
  const vms = [sample('a'), sample('b', { cpuPercent: 30 }), sample('c', { state: 'shutoff' })];
  store.record({ host: 'h', at: 0, vms });
  store.record({ host: 'h', at: 2000, vms });
  store.record({ host: 'h', at: 10_000, vms });
  assert.equal(store.vmHistory('h', 'a').points.length, 2);
  assert.equal(store.vmHistory('h', 'c').points.length, 0, 'a shut-off VM records nothing');
  const host = store.hostHistory('h').points.at(-1)!;
  assert.equal(host.cpuPercent, 40);
  assert.equal(host.memoryMiB, 512);
});

test('beyond the poll span, points are averaged into buckets; memory stays bounded', () => {
  const store = new PerfHistoryStore({
    pollStepMs: 1000,
    pollSpanMs: 10_000,
    downsampledStepMs: 5000,
    downsampledSpanMs: 20_000,
  });
  for (let s = 0; s < 100; s++) {
    store.record({ host: 'h', at: s * 1000, vms: [sample('a', { cpuPercent: s })] });
  }
  const history = store.vmHistory('h', 'a');
  const recent = history.points.filter((p) => p.at >= history.pollResolutionSince!);
  const older = history.points.filter((p) => p.at < history.pollResolutionSince!);
  assert.equal(recent.length, 11, 'poll resolution for the span (plus the current point)');
  assert.equal(recent.at(-1)!.cpuPercent, 99);
  assert.equal(older.length, 4, 'the downsampled span holds 4 buckets of 5 s');
  // The bucket of seconds 80..84 averages to 82, its time the bucket's middle.
  assert.deepEqual(
    older.map((p) => [p.at, p.cpuPercent]),
    [
      [67_500, 67],
      [72_500, 72],
      [77_500, 77],
      [82_500, 82],
    ],
  );
});

test('a removed host forgets its history and its VMs', () => {
  const store = new PerfHistoryStore();
  store.record({ host: 'h', at: 0, vms: [sample('a')] });
  store.forgetHost('h');
  assert.deepEqual(store.vmHistory('h', 'a').points, []);
  assert.deepEqual(store.hostHistory('h').points, []);
});
