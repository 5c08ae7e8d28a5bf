// The register dialog's checks: each bad field gets its own message from the shared validators,
// blank optional fields and header rows are left out, header rows become NAME:VALUE.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  checkRegisterForm,
  EMPTY_REGISTER_FORM,
} from '../../../app/renderer/src/templates/register-form.js';

const good = {
  ...EMPTY_REGISTER_FORM,
  name: 'debian-12',
  url: 'https://example.com/debian-12.qcow2',
  checksum: `{SHA-256}${'A'.repeat(64)}`,
};

test('a good form becomes the request, blank optional fields left out', () => {
  const checked = checkRegisterForm({
    ...good,
    headers: [
      { name: 'X-Token', value: ' abc ' },
      { name: '', value: '' },
    ],
  });
  assert.deepEqual(checked, {
    ok: true,
    request: {
      name: 'debian-12',
      url: 'https://example.com/debian-12.qcow2',
      format: 'qcow2',
      checksum: `{SHA-256}${'A'.repeat(64)}`,
      hypervisor: 'kvm',
      headers: ['X-Token:abc'],
      directDownload: true,
    },
  });
});

test('every bad field is reported beside itself', () => {
  const checked = checkRegisterForm({
    ...good,
    name: '',
    url: 'file:///etc/passwd',
    checksum: '{SHA-256}abc',
    os: 'x;y',
    headers: [{ name: 'Bad Name', value: 'v' }],
  });
  assert.equal(checked.ok, false);
  if (checked.ok) return;
  assert.deepEqual(Object.keys(checked.errors).sort(), [
    'checksum',
    'header-0',
    'name',
    'os',
    'url',
  ]);
  assert.match(checked.errors.checksum!, /sha256 needs 64 hex digits, not 3/);
  assert.match(checked.errors.url!, /only http and https/);
  assert.match(checked.errors['header-0']!, /not a header name/);
});
