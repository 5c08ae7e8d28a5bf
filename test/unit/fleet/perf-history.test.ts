import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { PerfHistoryStore } from '../../../app/main/fleet/perf-history.js';
import type { VmSample } from '../../../app/shared/domain/vm.js';
import { tempDir } from '../inventory/temp-inventory.js';

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

test('a VM keeps every poll with rates from its counters; a reset gives no rate', async (t) => {
  const store = new PerfHistoryStore(tempDir(t), { pollStepMs: 1000 });
  const polls = [
    [0, 0],
    [2000, 4000],
    [3000, 100], // counter reset (the VM restarted)
    [4000, 1100],
  ] as const;
  for (const [at, read] of polls) {
    store.record({ host: 'h', at, vms: [sample('a', { diskReadBytes: read })] });
  }
  const { points } = await store.vmHistory('h', 'a');
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

test('polls closer than the step share one point; the host sums its running VMs', async (t) => {
  const store = new PerfHistoryStore(tempDir(t), { pollStepMs: 10_000 });
  const vms = [sample('a'), sample('b', { cpuPercent: 30 }), sample('c', { state: 'shutoff' })];
  store.record({ host: 'h', at: 0, vms });
  store.record({ host: 'h', at: 2000, vms });
  store.record({ host: 'h', at: 10_000, vms });
  assert.equal((await store.vmHistory('h', 'a')).points.length, 2);
  assert.equal((await store.vmHistory('h', 'c')).points.length, 0, 'a shut-off VM: no points');
  const host = (await store.hostHistory('h')).points.at(-1)!;
  assert.equal(host.cpuPercent, 40);
  assert.equal(host.memoryMiB, 512);
});

const small = {
  pollStepMs: 1000,
  pollSpanMs: 10_000,
  segmentMs: 5000,
  downsampledStepMs: 5000,
  downsampledSpanMs: 20_000,
  downsampledFileMs: 10_000,
};

test('a step keeps its first poll, with rates since the point before', async (t) => {
  const store = new PerfHistoryStore(tempDir(t), { pollStepMs: 10_000 });
  store.record({ host: 'h', at: 0, vms: [sample('a', { diskReadBytes: 0 })] });
  store.record({ host: 'h', at: 10_000, vms: [sample('a', { diskReadBytes: 10_000 })] });
  store.record({ host: 'h', at: 12_000, vms: [sample('a', { diskReadBytes: 50_000 })] });
  store.record({ host: 'h', at: 20_000, vms: [sample('a', { diskReadBytes: 60_000 })] });
  assert.deepEqual(
    (await store.vmHistory('h', 'a')).points.map((p) => [p.at, p.diskBytesPerSec]),
    [
      [0, null],
      [10_000, 1000],
      [20_000, 5000],
    ],
  );
});

test('points are appended a few at a time; those not yet written still show', async (t) => {
  const dir = tempDir(t);
  const store = new PerfHistoryStore(dir, { pollStepMs: 1000 });
  const written = () => {
    const [hostDir] = readdirSync(dir);
    return hostDir ? readdirSync(join(dir, hostDir)).filter((f) => f.startsWith('r-')) : [];
  };
  for (let s = 0; s < 3; s++) {
    store.record({ host: 'h', at: s * 1000, vms: [sample('a', { cpuPercent: s })] });
  }
  await store.vmHistory('h', 'a'); // waits for the host's file work
  assert.deepEqual(written(), [], 'two finished points: not yet written');
  assert.deepEqual(
    (await store.vmHistory('h', 'a')).points.map((p) => p.cpuPercent),
    [0, 1, 2],
  );
  for (let s = 3; s < 9; s++) {
    store.record({ host: 'h', at: s * 1000, vms: [sample('a', { cpuPercent: s })] });
  }
  await store.vmHistory('h', 'a');
  assert.deepEqual(written(), ['r-0.bin'], 'six finished points: one append');
  assert.deepEqual(
    (await store.vmHistory('h', 'a', 4000)).points.map((p) => p.cpuPercent),
    [4, 5, 6, 7, 8],
  );
  await store.flush();
  const reopened = new PerfHistoryStore(dir, { pollStepMs: 1000 });
  assert.equal((await reopened.vmHistory('h', 'a')).points.length, 9, 'flush wrote the rest');
});

test('points written while a chart is read are not lost to it', async (t) => {
  const store = new PerfHistoryStore(tempDir(t), { pollStepMs: 1000 });
  const poll = (s: number) =>
    store.record({ host: 'h', at: s * 1000, vms: [sample('a', { cpuPercent: s })] });
  for (let s = 0; s < 6; s++) poll(s);
  const reading = store.vmHistory('h', 'a');
  poll(6); // the sixth finished point: the batch goes to the file while the read waits
  assert.deepEqual(
    (await reading).points.map((p) => p.cpuPercent),
    [0, 1, 2, 3, 4, 5, 6],
  );
});

test('a poll a little early still starts the next step', async (t) => {
  const store = new PerfHistoryStore(tempDir(t), { pollStepMs: 10_000 });
  for (const at of [0, 9_990, 19_985, 25_000]) {
    store.record({ host: 'h', at, vms: [sample('a')] });
  }
  assert.deepEqual(
    (await store.vmHistory('h', 'a')).points.map((p) => p.at),
    [0, 9_990, 19_985],
  );
});

test('beyond the poll span, points are averaged into buckets; expired days go', async (t) => {
  const dir = tempDir(t);
  const store = new PerfHistoryStore(dir, small);
  for (let s = 0; s < 100; s++) {
    store.record({ host: 'h', at: s * 1000, vms: [sample('a', { cpuPercent: s })] });
  }
  const history = await store.vmHistory('h', 'a');
  const recent = history.points.filter((p) => p.at >= history.pollResolutionSince!);
  const older = history.points.filter((p) => p.at < history.pollResolutionSince!);
  // The last segment change (at 96 s) downsampled the segments ending by 86 s and dropped the
  // downsampled files ending by 66 s.
  assert.equal(history.pollResolutionSince, 85_000);
  assert.equal(recent.length, 15);
  assert.equal(recent.at(-1)!.cpuPercent, 99, 'the newest poll, still in memory');
  assert.deepEqual(
    older.map((p) => [p.at, p.cpuPercent]),
    [
      [62_500, 62],
      [67_500, 67],
      [72_500, 72],
      [77_500, 77],
      [82_500, 82],
    ],
  );
  const files = readdirSync(readdirSync(dir).map((d) => join(dir, d))[0]!).sort();
  assert.deepEqual(files, [
    'd-6.bin',
    'd-7.bin',
    'd-8.bin',
    'r-17.bin.gz',
    'r-18.bin.gz',
    'r-19.bin',
    'series.txt',
  ]);
});

test('with a start time, only the points from it on (older files not read)', async (t) => {
  const store = new PerfHistoryStore(tempDir(t), small);
  for (let s = 0; s < 30; s++) {
    store.record({ host: 'h', at: s * 1000, vms: [sample('a', { cpuPercent: s })] });
  }
  const { points } = await store.vmHistory('h', 'a', 27_000);
  assert.deepEqual(
    points.map((p) => p.at),
    [27_000, 28_000, 29_000],
  );
  assert.equal((await store.hostHistory('h', 29_500)).points.length, 0);
});

test('the history survives a restart, and a record cut short by a crash is skipped', async (t) => {
  const dir = tempDir(t);
  const first = new PerfHistoryStore(dir, small);
  for (let s = 0; s < 4; s++) {
    first.record({ host: 'h', at: s * 1000, vms: [sample('b'), sample('a', { cpuPercent: s })] });
  }
  await first.flush();
  const hostDir = join(dir, readdirSync(dir)[0]!);
  appendFileSync(
    join(hostDir, 'r-0.bin'),
    Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]),
  );
  const second = new PerfHistoryStore(dir, small);
  assert.deepEqual(
    (await second.vmHistory('h', 'a')).points.map((p) => p.cpuPercent),
    [0, 1, 2, 3],
  );
  second.record({ host: 'h', at: 5000, vms: [sample('c')] });
  second.record({ host: 'h', at: 6000, vms: [sample('c', { cpuPercent: 7 })] });
  assert.deepEqual(
    (await second.vmHistory('h', 'c')).points.map((p) => p.cpuPercent),
    [10, 7],
    'a new VM after the restart gets a series of its own',
  );
});

test('a removed host forgets its history and its VMs; any host name is a safe folder', async (t) => {
  const dir = tempDir(t);
  const store = new PerfHistoryStore(dir);
  store.record({ host: '..', at: 0, vms: [sample('a')] });
  await store.flush();
  const [hostDir] = readdirSync(dir);
  assert.match(hostDir!, /^host-/);
  store.forgetHost('..');
  assert.deepEqual((await store.vmHistory('..', 'a')).points, []);
  assert.deepEqual((await store.hostHistory('..')).points, []);
  assert.equal(existsSync(join(dir, hostDir!)), false);
  store.record({ host: '..', at: 1000, vms: [sample('b')] });
  await store.flush();
  assert.equal((await store.vmHistory('..', 'b')).points.length, 1, 'added again: afresh');
  assert.deepEqual((await store.vmHistory('..', 'a')).points, []);
});
