// The dialog's cloud-init fields are checked by the shared validation main applies: every bad
// field shows its own error at once, the user the keys need is asked for, user-data must be
// #cloud-config YAML, and the input sent is what the contract takes (no password in it).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  checkCloudInit,
  EMPTY_CLOUD_INIT,
} from '../../../app/renderer/src/cloud-init/cloud-init-form.js';
import { cloudInitRequest, validateCloudInit } from '../../../app/shared/validation/cloud-init.js';

const KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB3zFfGg0qm2G7lW1ub0Hbl6ZpJCY0GqfvvKQ0kVEkbx op@laptop';

test('good values give the contract input main accepts', () => {
  const { errors, input } = checkCloudInit(
    {
      ...EMPTY_CLOUD_INIT,
      hostname: ' app1 ',
      user: 'ops',
      sshKeys: `${KEY}\n\n`,
      network: 'static',
      address: '10.0.0.5/24',
      gateway: '10.0.0.1',
      dns: '10.0.0.1, 9.9.9.9',
      userData: '#cloud-config\npackages: [htop]\n',
    },
    true,
  );
  assert.deepEqual(errors, {});
  assert.deepEqual(input, {
    hostname: 'app1',
    user: 'ops',
    sshAuthorizedKeys: [KEY],
    network: {
      mode: 'static',
      address: '10.0.0.5/24',
      gateway: '10.0.0.1',
      dns: ['10.0.0.1', '9.9.9.9'],
    },
    userData: '#cloud-config\npackages: [htop]\n',
  });
  assert.ok(!('passwordHash' in input));
  assert.doesNotThrow(() => validateCloudInit(cloudInitRequest(input)));
});

test('every bad field shows its own error at once', () => {
  const { errors } = checkCloudInit(
    {
      ...EMPTY_CLOUD_INIT,
      hostname: 'bad_name',
      user: 'Root!',
      sshKeys: 'not a key',
      network: 'static',
      address: '10.0.0.5',
      gateway: '10.0.0',
      dns: '1.1.1.1 nope',
      userData: 'packages: [htop]',
    },
    false,
  );
  assert.match(errors.hostname!, /invalid host name "bad_name"/);
  assert.match(errors.user!, /not a valid user name/);
  assert.match(errors.sshKeys!, /not an OpenSSH public key/);
  assert.match(errors.address!, /prefix length/);
  assert.match(errors.gateway!, /expected an IPv4 address/);
  assert.match(errors.dns!, /"nope"/);
  assert.match(errors.userData!, /must start with a #cloud-config line/);
});

test('a static network needs its address; user-data must be valid YAML', () => {
  const { errors } = checkCloudInit(
    { ...EMPTY_CLOUD_INIT, network: 'static', userData: '#cloud-config\nusers: [\n' },
    false,
  );
  assert.match(errors.address!, /needs an address/);
  assert.match(errors.userData!, /not valid YAML/);
});

test('SSH keys or a password need a user name', () => {
  assert.match(
    checkCloudInit({ ...EMPTY_CLOUD_INIT, sshKeys: KEY }, false).errors.user!,
    /user name is needed/,
  );
  assert.match(checkCloudInit(EMPTY_CLOUD_INIT, true).errors.user!, /user name is needed/);
  assert.deepEqual(checkCloudInit(EMPTY_CLOUD_INIT, false), {
    errors: {},
    input: { network: { mode: 'dhcp' } },
  });
});
