import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  InvalidInputError,
  validateClientHostPath,
  validateHostPath,
  validateLabel,
  validateVmName,
} from '../../../app/shared/validation/names.js';

test('VM names: letters, digits, dot, underscore, dash; 1 to 64; no leading dash; not . or ..', () => {
  for (const ok of ['web1', 'a', 'db_2.prod-x', '_x', '.x', 'A'.repeat(64)])
    assert.equal(validateVmName(ok), ok);
  for (const bad of [
    '',
    '-x',
    'a;touch /tmp/x',
    'a b',
    'a/b',
    '$(x)',
    'é',
    'A'.repeat(65),
    'a\nb',
    '.',
    '..',
  ]) {
    assert.throws(() => validateVmName(bad), InvalidInputError, bad);
  }
});

test('host paths: absolute, no .. segments, no control characters', () => {
  assert.equal(
    validateHostPath('/var/lib/libvirt/images/a.qcow2'),
    '/var/lib/libvirt/images/a.qcow2',
  );
  for (const bad of ['relative', '/a/../etc/shadow', '/a\nb', '/a\0', '']) {
    assert.throws(() => validateHostPath(bad), InvalidInputError, bad);
  }
});

test("a client's host paths: also no . segments, no shell or invisible characters", () => {
  for (const ok of [
    '/var/lib/libvirt/images/a.qcow2',
    '/',
    '/srv/ISOs/Debian 12 (netinst)/debian-12.5.0-amd64+x@y,z=1%.iso',
    '/srv/isos/Tëst/日本語.iso',
    '/srv/..hidden/a..b',
  ])
    assert.equal(validateClientHostPath(ok), ok);
  for (const bad of [
    'relative',
    '',
    '/a/../etc/shadow',
    '/a/./b',
    '/a/..',
    '/a\nb',
    '/a\0',
    '/a\tb',
    '/tmp/$(touch x)',
    '/tmp/`touch x`',
    "/tmp/a'b",
    '/tmp/a"b',
    '/tmp/a\\b',
    '/tmp/a;b',
    '/tmp/a|b',
    '/tmp/a&b',
    '/tmp/a>b',
    '/tmp/*',
    '/tmp/a?',
    '/tmp/{a,b}',
    '/tmp/~',
    '/tmp/＄（touch x）',
    '/tmp/\u202eosi.exe',
    '/tmp/a\u200bb',
    '/' + 'a'.repeat(4096),
  ]) {
    assert.throws(() => validateClientHostPath(bad), InvalidInputError, JSON.stringify(bad));
  }
});

test('labels: printable text of any script, no control or invisible formatting characters', () => {
  for (const ok of ['Rack 1', 'Datacenter/Rack 1', "o'brien $(x) `y` ;|&", 'Zürich 東京', ''])
    assert.equal(validateLabel(ok), ok);
  for (const bad of [
    'a\nb',
    'a\0',
    'a\rb',
    'a\tb',
    '\u202eevil',
    'a\u200bb',
    '\ufeffa',
    'a\u2028b',
    '\u0085',
    '\ud800',
    '\u007f',
  ]) {
    assert.throws(() => validateLabel(bad), InvalidInputError, JSON.stringify(bad));
  }
});
