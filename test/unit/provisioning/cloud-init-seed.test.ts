// cloud-init: every field checked before anything runs, the operator's user-data validated as
// #cloud-config YAML, and the NoCloud seed's files as cloud-init reads them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { load } from 'js-yaml';
import { seedFiles } from '../../../app/main/provisioning/cloud-init-seed.js';
import {
  validateCloudInit,
  type CloudInitRequest,
} from '../../../app/shared/validation/cloud-init.js';

const KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGuGgsEBCOeXT6LQnXGDZIlp1bF8kgcYczmRfKYjcTix ops@desk';
const HASH = '$6$rounds=4096$saltsalt$' + 'a'.repeat(86);

test('cloud-init fields are checked, and a password is refused unless hashed', () => {
  const ok = validateCloudInit({
    hostname: 'web7',
    user: 'ops',
    sshAuthorizedKeys: [KEY, ' '],
    passwordHash: HASH,
    network: { mode: 'static', address: '10.1.2.3/24', gateway: '10.1.2.1', dns: ['10.1.2.1'] },
  });
  assert.deepEqual(ok.sshAuthorizedKeys, [KEY]);
  const cases: Array<[CloudInitRequest, RegExp]> = [
    [{ user: 'ops', passwordHash: 'hunter2' }, /password_hash/],
    [{ user: 'Bad User' }, /user/],
    [{ sshAuthorizedKeys: [KEY] }, /a user name is needed/],
    [{ user: 'ops', sshAuthorizedKeys: ['ssh-ed25519 not;base64'] }, /ssh_key/],
    [{ hostname: 'bad_host!' }, /hostname/],
    [{ network: { mode: 'static', address: '10.1.2.300/24' } }, /ip_address/],
    [{ userData: 'users: []' }, /#cloud-config/],
    [{ userData: '#cloud-config\nusers: [unclosed' }, /not valid YAML/],
    [{ userData: '#cloud-config\n- a list' }, /mapping/],
  ];
  for (const [bad, field] of cases)
    assert.throws(() => validateCloudInit(bad), field, JSON.stringify(bad));
});

test('the seed: a new instance id, the user over the operator user-data, the NIC by its MAC', () => {
  const files = seedFiles(
    validateCloudInit({
      hostname: 'web7',
      user: 'ops',
      sshAuthorizedKeys: [KEY],
      passwordHash: HASH,
      network: { mode: 'static', address: '10.1.2.3/24', gateway: '10.1.2.1' },
      userData: '#cloud-config\npackages: [qemu-guest-agent]\nusers: [default]\n',
    }),
    { name: 'vm1', mac: '52:54:00:0a:bb:cc' },
  );
  const meta = load(files['meta-data']) as Record<string, string>;
  assert.match(meta['instance-id']!, /^vm1-[0-9a-f-]{36}$/);
  assert.equal(meta['local-hostname'], 'web7');
  assert.notEqual(
    (load(seedFiles({}, { name: 'vm1', mac: '52:54:00:0a:bb:cc' })['meta-data']) as typeof meta)[
      'instance-id'
    ],
    meta['instance-id'],
  );
  assert.ok(files['user-data'].startsWith('#cloud-config\n'));
  const user = load(files['user-data']) as Record<string, unknown>;
  assert.deepEqual(user.packages, ['qemu-guest-agent']);
  assert.equal(user.hostname, 'web7');
  assert.equal(user.ssh_pwauth, true);
  const [ops, rest] = user.users as Array<Record<string, unknown>>;
  assert.equal(ops!.name, 'ops');
  assert.equal(ops!.hashed_passwd, HASH);
  assert.equal(ops!.lock_passwd, false);
  assert.deepEqual(ops!.ssh_authorized_keys, [KEY]);
  assert.equal(rest, 'default');
  const net = load(files['network-config']) as { config: Array<Record<string, unknown>> };
  assert.equal(net.config[0]!.mac_address, '52:54:00:0a:bb:cc');
  assert.deepEqual(net.config[0]!.subnets, [
    { type: 'static', address: '10.1.2.3/24', gateway: '10.1.2.1' },
  ]);
  const dhcp = load(seedFiles({}, { name: 'vm1', mac: '52:54:00:0a:bb:cc' })['network-config']);
  assert.deepEqual((dhcp as typeof net).config[0]!.subnets, [{ type: 'dhcp' }]);
});
