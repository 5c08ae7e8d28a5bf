import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  pacedWrites,
  type WritableTerminal,
} from '../../../app/renderer/src/consoles/paced-writes.js';
import { manualTimers } from './manual-timers.js';

/**
 * Paced writes to a terminal that processes a write when told to (xterm parses on its own
 * schedule), on timers run by hand.
 */
function pacedTerminal() {
  const clock = manualTimers();
  const written: string[] = [];
  const callbacks: (() => void)[] = [];
  const term: WritableTerminal = {
    write(data, callback) {
      written.push(new TextDecoder().decode(data));
      callbacks.push(callback);
    },
  };
  const output = pacedWrites(term, clock.timers);
  return { clock, output, written, process: () => callbacks.splice(0).forEach((cb) => cb()) };
}

const bytes = (text: string) => new TextEncoder().encode(text);

test('output after a quiet spell is written at once; output that flows, in one piece per window', () => {
  const { clock, output, written } = pacedTerminal();
  output.write(bytes('$ '), () => {});
  assert.deepEqual(written, ['$ ']);
  output.write(bytes('Z'), () => {});
  output.write(bytes('ZZ'), () => {});
  assert.deepEqual(written, ['$ '], 'held while the window runs');
  clock.fire();
  assert.deepEqual(written, ['$ ', 'ZZZ']);
});

test('each chunk is acknowledged once xterm has processed the piece that holds it, not before', () => {
  const { clock, output, process } = pacedTerminal();
  const acked: string[] = [];
  output.write(bytes('a'), () => acked.push('a'));
  output.write(bytes('b'), () => acked.push('b'));
  output.write(bytes('c'), () => acked.push('c'));
  process();
  assert.deepEqual(acked, ['a'], 'b and c are not written yet');
  clock.fire();
  assert.deepEqual(acked, ['a']);
  process();
  assert.deepEqual(acked, ['a', 'b', 'c']);
});

test('flush writes what is held at once (a console that ended shows its last output)', () => {
  const { output, written } = pacedTerminal();
  output.write(bytes('x'), () => {});
  output.write(bytes('bye'), () => {});
  output.flush();
  assert.deepEqual(written, ['x', 'bye']);
});

test('after dispose nothing more is written and no window runs, whatever comes', () => {
  const { clock, output, written } = pacedTerminal();
  output.write(bytes('x'), () => {});
  output.write(bytes('y'), () => {});
  output.dispose();
  assert.equal(clock.running(), false);
  clock.fire();
  output.write(bytes('late'), () => {});
  output.flush();
  assert.equal(clock.running(), false);
  assert.deepEqual(written, ['x']);
});

test('an empty chunk is acknowledged at once, not held for the next piece', () => {
  const { output, written } = pacedTerminal();
  let acked = false;
  output.write(new Uint8Array(0), () => (acked = true));
  assert.equal(acked, true);
  assert.deepEqual(written, []);
});

test('the terminal is told when output starts and stops flowing (the cursor stops blinking)', () => {
  const clock = manualTimers();
  const flows: boolean[] = [];
  const output = pacedWrites({ write: (_data, done) => done() }, clock.timers, (flowing) =>
    flows.push(flowing),
  );
  output.write(bytes('a'), () => {});
  output.write(bytes('b'), () => {});
  clock.fire();
  clock.fire();
  assert.deepEqual(flows, [true, false]);
});
