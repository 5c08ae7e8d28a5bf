// The host screen reads a changed key back from the poll error main sends: main's own
// HostKeyChangedError message, bare or inside the backoff's "is unreachable (...)" wrapper.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostKeyChange } from '../../../app/shared/domain/host-key-change.js';
import { HostUnreachableError } from '../../../app/main/fleet/host-connections.js';
import { HostKeyChangedError } from '../../../app/main/ssh/host-key-trust.js';

const OLD = `SHA256:${'a'.repeat(43)}`;
const OLD_RSA = `SHA256:${'b'.repeat(42)}+`;
const NEW = `SHA256:${'c'.repeat(40)}/9Z`;

const changed = new HostKeyChangedError(
  { host: '10.0.0.5', port: 22, algorithm: 'ssh-ed25519', fingerprint: NEW, blob: Buffer.alloc(0) },
  [
    { algorithm: 'ssh-ed25519', fingerprint: OLD, file: '/data/known_hosts', line: 3 },
    { algorithm: 'ssh-rsa', fingerprint: OLD_RSA, file: '/home/u/.ssh/known_hosts', line: 9 },
  ],
  '/data/known_hosts',
);

test('a changed key: the known fingerprints and the offered one', () => {
  const expected = { known: [OLD, OLD_RSA], offered: NEW };
  assert.deepEqual(hostKeyChange(changed.message), expected);
  const waiting = new HostUnreachableError('web1', 4_000, changed);
  assert.deepEqual(hostKeyChange(waiting.message), expected);
});

test('any other error, or none, is no key change', () => {
  assert.equal(hostKeyChange(null), null);
  assert.equal(hostKeyChange('connect ECONNREFUSED 10.0.0.5:22'), null);
  assert.equal(
    hostKeyChange(`The host key of 10.0.0.5:22 is not known: ssh-ed25519 ${NEW} .`),
    null,
  );
});
