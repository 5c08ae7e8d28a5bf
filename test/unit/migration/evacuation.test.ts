// Where an evacuated host's VMs go: by free memory, largest first, refusing what does not fit.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planEvacuation } from '../../../app/main/migration/evacuation.js';

test('largest VMs first, each to the host with the most memory left', () => {
  const plan = planEvacuation(
    [
      { name: 'small', memoryMiB: 512 },
      { name: 'big', memoryMiB: 4096 },
      { name: 'mid', memoryMiB: 2048 },
    ],
    [
      { host: 'b', freeMemoryMiB: 5000 },
      { host: 'c', freeMemoryMiB: 3000 },
    ],
  );
  assert.deepEqual(plan, {
    moves: [
      { vm: 'big', target: 'b' },
      { vm: 'mid', target: 'c' },
      { vm: 'small', target: 'c' },
    ],
    unplaced: [],
  });
});

test('a VM no host has room for is named, with what it needs', () => {
  const plan = planEvacuation(
    [
      { name: 'a1', memoryMiB: 1024 },
      { name: 'a2', memoryMiB: 1024 },
    ],
    [{ host: 'b', freeMemoryMiB: 1500 }],
  );
  assert.deepEqual(plan.moves, [{ vm: 'a1', target: 'b' }]);
  assert.deepEqual(plan.unplaced, [{ vm: 'a2', memoryMiB: 1024 }]);
});

test('no candidates: every VM unplaced', () => {
  assert.deepEqual(planEvacuation([{ name: 'x', memoryMiB: 1 }], []).unplaced, [
    { vm: 'x', memoryMiB: 1 },
  ]);
});
