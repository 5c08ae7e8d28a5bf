import assert from 'node:assert/strict';
import { test } from 'node:test';
import { terminalKeystrokes, vncKeysyms } from '../../../app/renderer/src/consoles/typed-keys.js';

test('typed into a terminal, every kind of line end becomes Enter (CR)', () => {
  const typed = new TextDecoder().decode(terminalKeystrokes('ls -l\nwho\r\nid\rdate é'));
  assert.equal(typed, 'ls -l\rwho\rid\rdate é');
});

test('typed into VNC: Latin-1 as is, other Unicode as 0x01000000 + code point, Return and Tab', () => {
  assert.deepEqual(vncKeysyms('aZ é\n\t'), [0x61, 0x5a, 0x20, 0xe9, 0xff0d, 0xff09]);
  assert.deepEqual(vncKeysyms('€'), [0x01000000 + 0x20ac]);
  assert.deepEqual(vncKeysyms('a\r\nb\rc'), [0x61, 0xff0d, 0x62, 0xff0d, 0x63]);
  assert.deepEqual(vncKeysyms('\x00\x1b\x7fx'), [0x78], 'control characters are not typed');
});
