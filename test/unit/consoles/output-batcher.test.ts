import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OutputBatcher } from '../../../app/shared/consoles/output-batcher.js';
import { manualTimers } from './manual-timers.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (sent: Uint8Array[]) => sent.map((d) => new TextDecoder().decode(d));

test('the first chunk after a quiet spell goes at once: typing echoes without waiting', () => {
  const clock = manualTimers();
  const sent: Uint8Array[] = [];
  const batcher = new OutputBatcher((d) => sent.push(d), clock.timers);
  batcher.push(bytes('a'));
  assert.deepEqual(text(sent), ['a']);
  clock.fire(); // nothing came within the window: the next chunk goes at once again
  assert.equal(clock.running(), false);
  batcher.push(bytes('b'));
  assert.deepEqual(text(sent), ['a', 'b']);
});

test('chunks within the window go as one, in order, when it ends; the next window gathers on', () => {
  const clock = manualTimers();
  const sent: Uint8Array[] = [];
  const batcher = new OutputBatcher((d) => sent.push(d), clock.timers);
  for (const c of ['S', 'Z', 'Z', 'Z']) batcher.push(bytes(c));
  assert.deepEqual(text(sent), ['S']);
  clock.fire();
  assert.deepEqual(text(sent), ['S', 'ZZZ']);
  assert.equal(clock.running(), true, 'output still flows: a new window runs');
  batcher.push(bytes('E'));
  batcher.push(bytes('ND'));
  clock.fire();
  clock.fire();
  assert.deepEqual(text(sent), ['S', 'ZZZ', 'END']);
  assert.equal(clock.running(), false);
});

test('a full batch goes before its window ends', () => {
  const clock = manualTimers();
  const sent: Uint8Array[] = [];
  const batcher = new OutputBatcher((d) => sent.push(d), clock.timers, 5, 4);
  batcher.push(bytes('a'));
  batcher.push(bytes('bc'));
  batcher.push(bytes('de'));
  assert.deepEqual(text(sent), ['a', 'bcde']);
  batcher.push(bytes('f'));
  clock.fire();
  assert.deepEqual(text(sent), ['a', 'bcde', 'f']);
});

test('flush hands on what is gathered; dispose drops it and stops the window', () => {
  const clock = manualTimers();
  const sent: Uint8Array[] = [];
  const batcher = new OutputBatcher((d) => sent.push(d), clock.timers);
  batcher.push(bytes('a'));
  batcher.push(bytes('b'));
  batcher.flush();
  batcher.push(bytes('c'));
  batcher.dispose();
  assert.equal(clock.running(), false);
  clock.fire();
  assert.deepEqual(text(sent), ['a', 'b']);
  batcher.push(new Uint8Array(0));
  assert.deepEqual(text(sent), ['a', 'b'], 'an empty chunk is not sent');
});

test('a send that disposes of the batcher (the client is gone) leaves no window running', () => {
  const clock = manualTimers();
  const sent: Uint8Array[] = [];
  const first: OutputBatcher = new OutputBatcher((d) => {
    sent.push(d);
    first.dispose();
  }, clock.timers);
  first.push(bytes('a'));
  assert.equal(clock.running(), false, 'after the leading chunk');
  const second: OutputBatcher = new OutputBatcher((d) => {
    sent.push(d);
    if (sent.length === 3) second.dispose();
  }, clock.timers);
  second.push(bytes('b'));
  second.push(bytes('c'));
  clock.fire();
  assert.deepEqual(text(sent), ['a', 'b', 'c']);
  assert.equal(clock.running(), false, 'after the batch of a window');
});

/**
 * A batcher of 5 ms windows on timers run by hand, recording what it sends and each flow change;
 * `onFlow` runs after a change is recorded.
 */
function flowBatcher(maxBytes = 64 * 1024, onFlow?: (batcher: OutputBatcher) => void) {
  const clock = manualTimers();
  const sent: Uint8Array[] = [];
  const flows: boolean[] = [];
  const batcher: OutputBatcher = new OutputBatcher(
    (d) => sent.push(d),
    clock.timers,
    5,
    maxBytes,
    (flowing) => {
      flows.push(flowing);
      onFlow?.(batcher);
    },
  );
  return { clock, sent, flows, batcher };
}

test('flowChanged is told when output starts to flow and when a window passes without any', () => {
  const { clock, flows, batcher } = flowBatcher();
  batcher.push(bytes('$')); // an echo: goes at once, nothing more comes
  clock.fire();
  assert.deepEqual(flows, [], 'a lone chunk is not a flow');
  batcher.push(bytes('S'));
  batcher.push(bytes('Z'));
  clock.fire();
  batcher.push(bytes('Z'));
  clock.fire();
  assert.deepEqual(flows, [true], 'told once while it flows');
  clock.fire();
  assert.deepEqual(flows, [true, false]);
  assert.equal(clock.running(), false);
});

test('output that fills whole batches still flows: the window goes on', () => {
  const { clock, sent, flows, batcher } = flowBatcher(2);
  batcher.push(bytes('a'));
  batcher.push(bytes('bc')); // a full batch: sent before the window ends
  clock.fire();
  assert.deepEqual(flows, [true]);
  assert.equal(clock.running(), true);
  batcher.push(bytes('d'));
  clock.fire();
  assert.deepEqual(text(sent), ['a', 'bc', 'd']);
});

test('a flowChanged that disposes of the batcher leaves no window running', () => {
  const { clock, sent, batcher } = flowBatcher(undefined, (b) => b.dispose());
  batcher.push(bytes('a'));
  batcher.push(bytes('b'));
  clock.fire();
  assert.equal(clock.running(), false);
  assert.deepEqual(text(sent), ['a'], 'what was held is dropped, as dispose says');
});
