import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inSlotOrder } from '../../../app/renderer/src/common/use-virtual-rows.js';

test('rows in slot order: the row holding slot 0 first, then the rows after it, then those before', () => {
  assert.deepEqual(inSlotOrder(0, 5, 5), [0, 1, 2, 3, 4]);
  assert.deepEqual(inSlotOrder(3, 8, 5), [5, 6, 7, 3, 4]);
  assert.deepEqual(inSlotOrder(10, 15, 5), [10, 11, 12, 13, 14]);
  // Fewer rows than slots (the end of the list, or a short list).
  assert.deepEqual(inSlotOrder(7, 9, 5), [7, 8]);
  assert.deepEqual(inSlotOrder(3, 5, 5), [3, 4]);
  assert.deepEqual(inSlotOrder(4, 7, 5), [5, 6, 4]);
  assert.deepEqual(inSlotOrder(0, 0, 5), []);
});

test('a step of the list keeps every slot in its place among its siblings', () => {
  const slots = 31;
  const slotsInOrder = (first: number) =>
    inSlotOrder(first, first + slots, slots).map((index) => index % slots);
  for (const [from, to] of [
    [0, 17],
    [17, 34],
    [40, 41],
    [1000, 4983],
  ] as const) {
    assert.deepEqual(slotsInOrder(from), slotsInOrder(to));
  }
  assert.deepEqual(
    slotsInOrder(123),
    Array.from({ length: slots }, (_, i) => i),
  );
});

test('more rows than slots is a programming error', () => {
  assert.throws(() => inSlotOrder(0, 6, 5), RangeError);
});
