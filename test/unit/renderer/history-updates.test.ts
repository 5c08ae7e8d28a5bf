import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  nextSince,
  WHOLE_HISTORY_EVERY_MS,
  withUpdate,
} from '../../../app/renderer/src/vm-view/history-updates.js';
import type { PerfHistory } from '../../../app/shared/domain/perf-history.js';

const history = (...ats: number[]): PerfHistory => ({
  points: ats.map((at) => ({
    at,
    cpuPercent: at,
    memoryMiB: null,
    diskBytesPerSec: null,
    netBytesPerSec: null,
  })),
  pollResolutionSince: ats[0] ?? null,
  downsampledStepMs: 600_000,
});

test('the first answer and one every few minutes are whole; the others start at the newest point', () => {
  assert.equal(nextSince(null, null, 0), null);
  const held = history(1000, 2000);
  assert.equal(nextSince(held, 0, 5000), 2000);
  assert.equal(nextSince(held, 0, WHOLE_HISTORY_EVERY_MS), null);
  assert.equal(nextSince(history(), 0, 5000), null, 'nothing held yet: whole');
});

test('a partial answer replaces the points from its start (the newest may have changed)', () => {
  const merged = withUpdate(history(1000, 2000), history(2000, 3000), 2000);
  assert.deepEqual(
    merged.points.map((p) => p.at),
    [1000, 2000, 3000],
  );
  assert.equal(merged.pollResolutionSince, 1000);
});
