import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  InvalidInputError,
  validateHostPath,
  validateVmName,
} from '../../../app/shared/validation/names.js';

test('VM names: letters, digits, dot, underscore, dash; 1 to 64; no leading dash', () => {
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
