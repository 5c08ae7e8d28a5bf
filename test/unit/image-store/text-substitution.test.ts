import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  escapeXml,
  substitute,
  xlStringValue,
} from '../../../app/main/image-store/text-substitution.js';

test("ConVirt's example: $VM_NAME in a disk path", () => {
  assert.equal(
    substitute('file:/vm_disks/$VM_NAME.disk.xm', { VM_NAME: 'Joe_Desktop' }),
    'file:/vm_disks/Joe_Desktop.disk.xm',
  );
});

test('braced variables, $$ and unknown variables left as written', () => {
  assert.equal(
    substitute('${IMAGE_NAME}-x $UNKNOWN ${ALSO_UNKNOWN} $$HOME $', { IMAGE_NAME: 'tiny' }),
    'tiny-x $UNKNOWN ${ALSO_UNKNOWN} $HOME $',
  );
});

test('a longer name is not mistaken for a shorter one', () => {
  assert.equal(substitute('$VM_NAMES $VM_NAME', { VM_NAME: 'a' }), '$VM_NAMES a');
});

test('values are escaped for XML and never substituted again', () => {
  const out = substitute(
    "<name>$VM_NAME</name><x a='$A'/>",
    { VM_NAME: '<&>', A: "'$VM_NAME'" },
    escapeXml,
  );
  assert.equal(out, "<name>&lt;&amp;&gt;</name><x a='&apos;$VM_NAME&apos;'/>");
});

test('inherited object properties are not variables', () => {
  assert.equal(substitute('$constructor $toString', {}), '$constructor $toString');
});

test('xl config values with quotes, backslashes or control characters are refused', () => {
  assert.equal(
    substitute('name = "$VM_NAME"', { VM_NAME: 'web-1' }, xlStringValue),
    'name = "web-1"',
  );
  for (const bad of ['a"b', 'a\\b', 'a\nb'])
    assert.throws(() => xlStringValue(bad, 'hostname'), {
      name: 'InvalidInputError',
      message: /hostname cannot go into an xl config/,
    });
});
