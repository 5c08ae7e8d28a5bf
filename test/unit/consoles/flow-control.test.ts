import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  FlowControl,
  PAUSE_ABOVE_BYTES,
  RESUME_BELOW_BYTES,
} from '../../../app/main/consoles/flow-control.js';

/** A source that records what flow control asked of it. */
function recorder() {
  const calls: string[] = [];
  return {
    calls,
    source: { pause: () => calls.push('pause'), resume: () => calls.push('resume') },
  };
}

test('pauses above 100 kB unacknowledged and resumes below 5 kB', () => {
  assert.equal(PAUSE_ABOVE_BYTES, 100_000);
  assert.equal(RESUME_BELOW_BYTES, 5_000);
  const { calls, source } = recorder();
  const flow = new FlowControl(source);
  flow.sent(60_000);
  flow.sent(40_000);
  assert.deepEqual(calls, [], 'exactly 100 kB is not above the mark');
  flow.sent(1);
  assert.deepEqual(calls, ['pause']);
  flow.sent(30_000);
  assert.deepEqual(calls, ['pause'], 'paused once, however much more arrives');
  flow.acked(100_000);
  assert.equal(flow.unacked, 30_001);
  assert.deepEqual(calls, ['pause'], 'still above the low mark');
  flow.acked(25_002);
  assert.equal(flow.unacked, 4_999);
  assert.deepEqual(calls, ['pause', 'resume']);
  flow.acked(4_999);
  assert.deepEqual(calls, ['pause', 'resume'], 'resumed once');
  assert.deepEqual(flow.stats(), {
    sent: 130_001,
    acked: 130_001,
    pauses: 1,
    maxUnacked: 130_001,
    paused: false,
  });
});

test('between the marks the state holds: no pause on the way down, no resume on the way up', () => {
  const { calls, source } = recorder();
  const flow = new FlowControl(source, 100, 10);
  flow.sent(50);
  flow.acked(45);
  flow.sent(90);
  assert.deepEqual(calls, [], '95 outstanding: below the high mark');
  flow.sent(10);
  assert.deepEqual(calls, ['pause']);
  flow.acked(50);
  flow.sent(20);
  assert.deepEqual(calls, ['pause'], '75 outstanding: paused until below 10');
  flow.acked(66);
  assert.deepEqual(calls, ['pause', 'resume']);
});

test('acks beyond what was sent, zero, negative or not numbers change nothing harmful', () => {
  const { calls, source } = recorder();
  const flow = new FlowControl(source, 100, 10);
  flow.sent(200);
  flow.acked(-50);
  flow.acked(Number.NaN);
  flow.acked(0);
  assert.equal(flow.unacked, 200);
  flow.acked(1_000_000);
  assert.equal(flow.unacked, 0, 'clamped to what was sent');
  assert.deepEqual(calls, ['pause', 'resume']);
  flow.sent(150);
  assert.deepEqual(calls, ['pause', 'resume', 'pause'], 'an over-ack grants no credit');
});

test('thresholds must make sense', () => {
  const { source } = recorder();
  assert.throws(() => new FlowControl(source, 10, 100), /Invalid flow control thresholds/);
  assert.throws(() => new FlowControl(source, 10, -1), /Invalid flow control thresholds/);
});
