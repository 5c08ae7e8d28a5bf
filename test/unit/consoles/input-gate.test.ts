import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputGate, serialConsoleBanner } from '../../../app/main/consoles/input-gate.js';
import { CONSOLE_READY } from '../../../app/main/hypervisors/kvm/virsh.js';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (chunks: Uint8Array[]) => chunks.map((c) => new TextDecoder().decode(c)).join('');

test('holds keystrokes until the banner has gone by, then sends them in order', () => {
  const written: Uint8Array[] = [];
  const gate = new InputGate((d) => written.push(d), CONSOLE_READY);
  gate.input(bytes('ls'));
  gate.output(bytes("Connected to domain 'db2'\r\nEscape char"));
  gate.input(bytes('\r'));
  assert.deepEqual(written, [], 'the banner is split across chunks: not yet');
  gate.output(bytes('acter is ^] (Ctrl + ])\r\n'));
  assert.equal(gate.isOpen, true);
  assert.equal(text(written), 'ls\r');
  gate.input(bytes('x'));
  assert.equal(text(written), 'ls\rx', 'afterwards, straight through');
});

test('without a banner to wait for, input goes through at once', () => {
  const written: Uint8Array[] = [];
  const gate = new InputGate((d) => written.push(d));
  gate.input(bytes('a'));
  assert.equal(text(written), 'a');
});

test('a console that never shows the banner opens after a few kilobytes of output', () => {
  const written: Uint8Array[] = [];
  const gate = new InputGate((d) => written.push(d), CONSOLE_READY);
  gate.input(bytes('held'));
  gate.output(bytes('x'.repeat(4000)));
  assert.equal(gate.isOpen, false);
  gate.output(bytes('x'.repeat(200)));
  assert.equal(gate.isOpen, true);
  assert.equal(text(written), 'held');
});

test('libvirt serial consoles wait for virsh banner; Xen xl console has none', () => {
  assert.equal(serialConsoleBanner('kvm'), CONSOLE_READY);
  assert.equal(serialConsoleBanner('xen'), undefined);
});
