import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { buildCommand, quoteArg } from '../../../app/main/ssh/shell-quote.js';

test('plain words stay as they are; everything else is single-quoted', () => {
  assert.equal(quoteArg('virsh'), 'virsh');
  assert.equal(quoteArg('qemu:///system'), 'qemu:///system');
  assert.equal(quoteArg(''), "''");
  assert.equal(quoteArg('a b'), "'a b'");
  assert.equal(quoteArg("it's"), "'it'\\''s'");
  assert.equal(buildCommand(['echo', '$(reboot)']), "echo '$(reboot)'");
});

test('a NUL byte or an empty command is refused', () => {
  assert.throws(() => quoteArg('a\0b'), /NUL/);
  assert.throws(() => buildCommand([]), /Empty/);
});

test('a local POSIX shell gets every argument back byte for byte', () => {
  const nasty = [
    "'",
    '"',
    '$(id)',
    '`id`',
    'a;b',
    'a|b',
    '-n',
    '\n',
    '\\',
    '*',
    '~',
    '${HOME}',
    'é ü 雪 🚀',
    '!',
    '#x',
    "''\\''",
  ];
  const script = buildCommand(['printf', '%s\\0', ...nasty]);
  const out = spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8' });
  assert.equal(out.status, 0, out.stderr);
  assert.deepEqual(out.stdout.split('\0').slice(0, -1), nasty);
});
