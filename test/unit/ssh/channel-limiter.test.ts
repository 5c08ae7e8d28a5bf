import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChannelLimiter } from '../../../app/main/ssh/channel-limiter.js';

test('never more than the limit at once, and queued work runs in order', async () => {
  const limiter = new ChannelLimiter(3);
  let running = 0;
  let peak = 0;
  const order: number[] = [];
  const gates: Array<() => void> = [];
  const tasks = Array.from({ length: 10 }, (_, i) =>
    limiter.run(async () => {
      running++;
      peak = Math.max(peak, running);
      order.push(i);
      await new Promise<void>((r) => gates.push(r));
      running--;
    }),
  );
  while (order.length < 10) {
    await new Promise((r) => setImmediate(r));
    gates.shift()?.();
  }
  gates.forEach((g) => g());
  await Promise.all(tasks);
  assert.equal(peak, 3);
  assert.deepEqual(order, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(limiter.inUse, 0);
});

test('a failing task frees its slot; releasing twice is harmless', async () => {
  const limiter = new ChannelLimiter(1);
  await assert.rejects(
    limiter.run(() => Promise.reject(new Error('boom'))),
    /boom/,
  );
  const release = await limiter.acquire();
  release();
  release();
  assert.equal(limiter.inUse, 0);
  assert.throws(() => new ChannelLimiter(0));
});
