// Engine errors become the contract's error data the UI acts on.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NotSupportedError } from '../../../app/main/hypervisors/driver.js';
import { NotFoundError } from '../../../app/main/inventory/index.js';
import { toContractError } from '../../../app/main/backend/contract-errors.js';
import { HostKeyChangedError, HostKeyUnknownError } from '../../../app/main/ssh/host-key-trust.js';
import { InvalidInputError } from '../../../app/shared/validation/names.js';

const key = {
  host: '192.0.2.10',
  port: 22,
  algorithm: 'ssh-ed25519',
  fingerprint: 'SHA256:newnewnewnewnewnewnewnewnewnewnewnewnewnew',
  blob: Buffer.alloc(0),
};
const old = 'SHA256:oldoldoldoldoldoldoldoldoldoldoldoldoldold';

test('an unknown host key carries its fingerprint', () => {
  const { data } = toContractError(new HostKeyUnknownError(key));
  assert.equal(data.code, 'host-key-unknown');
  assert.equal(data.fingerprint, key.fingerprint);
  assert.match(data.message, /not known/);
});

test('a changed host key carries the new and the old fingerprint', () => {
  const known = [
    { algorithm: 'ssh-ed25519', fingerprint: old, file: '/h/.ssh/known_hosts', line: 3 },
  ];
  const { data } = toContractError(new HostKeyChangedError(key, known, '/data/known_hosts'));
  assert.equal(data.code, 'host-key-changed');
  assert.equal(data.fingerprint, key.fingerprint);
  assert.equal(data.oldFingerprint, old);
  assert.match(data.message, /CHANGED/);
});

test('bad input names its field; missing things are not-found; what a hypervisor lacks is not-supported; the rest failed, plainly', () => {
  assert.deepEqual(toContractError(new InvalidInputError('vm', 'Bad VM name.')).data, {
    code: 'invalid-input',
    message: 'Bad VM name.',
    field: 'vm',
  });
  assert.equal(
    toContractError(new NotFoundError('task', 'x', 'No task x.')).data.code,
    'not-found',
  );
  assert.deepEqual(
    toContractError(new NotSupportedError('snapshot', 'xen', 'xen1: no snapshots on xl.')).data,
    { code: 'not-supported', message: 'xen1: no snapshots on xl.' },
  );
  assert.deepEqual(toContractError(new Error('virsh: domain is not running')).data, {
    code: 'failed',
    message: 'virsh: domain is not running',
  });
  assert.deepEqual(toContractError('odd').data, { code: 'failed', message: 'odd' });
});
