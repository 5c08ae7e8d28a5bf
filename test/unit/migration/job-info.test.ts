// virsh domjobinfo's output as migration progress reads it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  parseBytes,
  parseCompletedJob,
  parseJobInfo,
} from '../../../app/main/hypervisors/migration-endpoint.js';

// libvirt 9.0's layout, during a live migration with storage copy.
const RUNNING = `Job type:         Unbounded
Operation:        Outgoing migration
Time elapsed:     2113         ms
Data processed:   41.373 MiB
Data remaining:   102.844 MiB
Data total:       144.219 MiB
Memory processed: 41.373 MiB
Memory remaining: 86.844 MiB
Memory total:     128.000 MiB
Memory bandwidth: 19.554 MiB/s
Dirty rate:       0            pages/s
Page size:        4096         bytes
Iteration:        1
Postcopy requests: 0
Constant pages:   3
Normal pages:     10582
Normal data:      41.336 MiB
Expected downtime: 300          ms
Setup time:       16           ms
`;

const COMPLETED = `Job type:         Completed
Operation:        Incoming migration
Time elapsed:     2532         ms
Time elapsed w/o network: 2521         ms
Data processed:   87.102 MiB
Data remaining:   0.000 B
Data total:       144.219 MiB
Total downtime:   187          ms
Downtime w/o network: 176          ms
`;

test('a running job: remaining, total, rate and expected downtime', () => {
  assert.deepEqual(parseJobInfo(RUNNING), {
    elapsedMs: 2113,
    dataProcessedBytes: Math.round(41.373 * 1024 ** 2),
    dataRemainingBytes: Math.round(102.844 * 1024 ** 2),
    dataTotalBytes: Math.round(144.219 * 1024 ** 2),
    bytesPerSecond: Math.round(19.554 * 1024 ** 2),
    expectedDowntimeMs: 300,
  });
});

test('no job is null', () => {
  assert.equal(parseJobInfo('Job type:         None\n'), null);
  assert.equal(parseJobInfo(''), null);
});

test('a completed migration: time and downtime', () => {
  assert.deepEqual(parseCompletedJob(COMPLETED), {
    elapsedMs: 2532,
    downtimeMs: 187,
    dataProcessedBytes: Math.round(87.102 * 1024 ** 2),
  });
});

test('sizes in bytes and binary units', () => {
  assert.equal(parseBytes('0.000 B'), 0);
  assert.equal(parseBytes('2 KiB'), 2048);
  assert.equal(parseBytes('1.5 GiB'), Math.round(1.5 * 1024 ** 3));
  assert.equal(parseBytes('n/a'), null);
  assert.equal(parseBytes(undefined), null);
});
