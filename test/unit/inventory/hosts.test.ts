import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConflictError, NotFoundError, type HostInput } from '../../../app/main/inventory/index.js';
import { InvalidInputError } from '../../../app/shared/validation/names.js';
import { tempInventory } from './temp-inventory.js';

const FINGERPRINT = 'SHA256:' + 'A'.repeat(43);

const web1: HostInput = {
  name: 'web1',
  address: '192.0.2.10',
  username: 'admin',
  hypervisor: 'kvm',
};

test('add fills defaults and maps every column; get, getById and list find it', (t) => {
  const { hosts } = tempInventory(t);
  const host = hosts.add(web1);
  assert.deepEqual(host, {
    id: host.id,
    name: 'web1',
    address: '192.0.2.10',
    port: 22,
    username: 'admin',
    hypervisor: 'kvm',
    libvirtUri: null,
    groupId: null,
    useSudo: false,
    identityFile: null,
    authMethod: 'agent',
    hostKeyFingerprint: null,
    createdAt: host.createdAt,
    updatedAt: host.createdAt,
  });
  assert.match(host.createdAt, /^2025-01-01T\d\d:\d\d:\d\d\.000Z$/);
  assert.deepEqual(hosts.get('web1'), host);
  assert.deepEqual(hosts.getById(host.id), host);
  assert.equal(hosts.get('nope'), undefined);
  assert.equal(hosts.getById(999), undefined);

  const full = hosts.add({
    name: 'xen-01.lab',
    address: 'fe80::1%eth0',
    port: 2222,
    username: 'ops@corp',
    hypervisor: 'xen',
    useSudo: true,
    identityFile: '~/.ssh/id_ed25519',
    authMethod: 'key',
    hostKeyFingerprint: FINGERPRINT,
  });
  assert.equal(full.useSudo, true);
  assert.equal(full.port, 2222);
  assert.equal(full.identityFile, '~/.ssh/id_ed25519');
  assert.equal(full.hostKeyFingerprint, FINGERPRINT);
  assert.deepEqual(
    hosts.list().map((h) => h.name),
    ['web1', 'xen-01.lab'],
  );
});

test('duplicate names are refused', (t) => {
  const { hosts } = tempInventory(t);
  hosts.add(web1);
  assert.throws(
    () => hosts.add({ ...web1, address: 'other' }),
    (e: unknown) =>
      e instanceof ConflictError && /host named "web1" already exists/.test(e.message),
  );
  hosts.add({ ...web1, name: 'web2' });
  assert.throws(() => hosts.update('web2', { name: 'web1' }), ConflictError);
});

test('invalid fields are refused before anything is stored', (t) => {
  const { hosts } = tempInventory(t);
  const bad: Array<[Partial<HostInput>, string]> = [
    [{ name: 'a;b' }, 'name'],
    [{ name: '-x' }, 'name'],
    [{ name: '' }, 'name'],
    [{ name: '..' }, 'name'],
    [{ name: 'x'.repeat(65) }, 'name'],
    [{ port: 0 }, 'port'],
    [{ port: 65536 }, 'port'],
    [{ port: 22.5 }, 'port'],
    [{ address: '' }, 'address'],
    [{ address: '-oProxyCommand=x' }, 'address'],
    [{ address: 'a b' }, 'address'],
    [{ username: '' }, 'username'],
    [{ username: '-l' }, 'username'],
    [{ username: 'a b' }, 'username'],
    [{ hypervisor: 'vmware' as 'kvm' }, 'hypervisor'],
    [{ hypervisor: 'xen', libvirtUri: 'xen:///system' }, 'libvirtUri'],
    [{ libvirtUri: 'qemu:///system extra' }, 'libvirtUri'],
    [{ identityFile: 'relative/key' }, 'identityFile'],
    [{ identityFile: '/key\n' }, 'identityFile'],
    [{ authMethod: 'kerberos' as 'agent' }, 'authMethod'],
    [{ hostKeyFingerprint: 'MD5:aa:bb' }, 'hostKeyFingerprint'],
    [{ useSudo: 'yes' as unknown as boolean }, 'useSudo'],
  ];
  for (const [patch, field] of bad) {
    assert.throws(
      () => hosts.add({ ...web1, ...patch }),
      (e: unknown) => e instanceof InvalidInputError && e.field === field,
      JSON.stringify(patch),
    );
  }
  assert.deepEqual(hosts.list(), []);
  assert.throws(() => hosts.add({ ...web1, groupId: 7 }), NotFoundError);
  assert.equal(
    hosts.add({ ...web1, libvirtUri: 'qemu+ssh://x/system' }).libvirtUri,
    'qemu+ssh://x/system',
  );
});

test('update changes the given fields, null clears, and renaming keeps the id', (t) => {
  const { hosts } = tempInventory(t);
  const before = hosts.add({ ...web1, libvirtUri: 'qemu:///system', identityFile: '/k' });
  const after = hosts.update('web1', {
    name: 'web-1',
    useSudo: true,
    libvirtUri: null,
    identityFile: undefined,
  });
  assert.equal(after.id, before.id);
  assert.equal(after.name, 'web-1');
  assert.equal(after.useSudo, true);
  assert.equal(after.libvirtUri, null);
  assert.equal(after.identityFile, '/k', 'undefined leaves a field as it is');
  assert.equal(after.createdAt, before.createdAt);
  assert.ok(after.updatedAt > before.updatedAt);
  assert.equal(hosts.get('web1'), undefined);
  assert.throws(() => hosts.update('web1', { port: 23 }), NotFoundError);
  assert.throws(() => hosts.update('web-1', { port: 0 }), InvalidInputError);
  assert.equal(hosts.get('web-1')?.port, 22, 'a refused update changes nothing');
  assert.throws(
    () => hosts.update('web-1', { hypervisor: 'xen', libvirtUri: 'qemu:///system' }),
    InvalidInputError,
  );
});

test('a new address or port forgets the confirmed host key unless the patch gives one', (t) => {
  const { hosts } = tempInventory(t);
  hosts.add({ ...web1, hostKeyFingerprint: FINGERPRINT });
  assert.equal(hosts.update('web1', { useSudo: true }).hostKeyFingerprint, FINGERPRINT);
  assert.equal(hosts.update('web1', { address: '192.0.2.10' }).hostKeyFingerprint, FINGERPRINT);
  assert.equal(hosts.update('web1', { port: 2222 }).hostKeyFingerprint, null);
  hosts.update('web1', { hostKeyFingerprint: FINGERPRINT });
  const other = 'SHA256:' + 'B'.repeat(43);
  const moved = hosts.update('web1', { address: '192.0.2.11', hostKeyFingerprint: other });
  assert.equal(moved.hostKeyFingerprint, other);
});

test('hosts move between groups, and list filters by group', (t) => {
  const { hosts, groups } = tempInventory(t);
  const dc = groups.create('DC');
  const rack = groups.create('Rack', dc.id);
  hosts.add({ ...web1, name: 'a', groupId: dc.id });
  hosts.add({ ...web1, name: 'b' });
  hosts.add({ ...web1, name: 'c' });
  assert.equal(hosts.moveToGroup('c', rack.id).groupId, rack.id);
  const names = (list: { name: string }[]) => list.map((h) => h.name);
  assert.deepEqual(names(hosts.list({ groupId: dc.id })), ['a']);
  assert.deepEqual(names(hosts.list({ groupId: dc.id, includeSubgroups: true })), ['a', 'c']);
  assert.deepEqual(names(hosts.list({ groupId: rack.id })), ['c']);
  assert.deepEqual(names(hosts.list({ groupId: null })), ['b']);
  assert.deepEqual(names(hosts.list()), ['a', 'b', 'c']);
  assert.throws(() => hosts.moveToGroup('b', 999), NotFoundError);
  assert.throws(() => hosts.moveToGroup('zz', dc.id), NotFoundError);
  assert.equal(hosts.moveToGroup('a', null).groupId, null);
});

test('remove deletes the host; a missing one is an error', (t) => {
  const { hosts } = tempInventory(t);
  hosts.add(web1);
  hosts.remove('web1');
  assert.equal(hosts.get('web1'), undefined);
  assert.throws(() => hosts.remove('web1'), NotFoundError);
});

test("a host added without a port gets the caller's default (default_ssh_port); a given one stays", (t) => {
  const { hosts } = tempInventory(t);
  assert.equal(hosts.add(web1, 2022).port, 2022);
  assert.equal(hosts.add({ ...web1, name: 'web2', port: 2200 }, 2022).port, 2200);
  // An update keeps the stored port.
  assert.equal(hosts.update('web1', { address: '192.0.2.11' }).port, 2022);
});
