import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NotFoundError, type HostInput } from '../../../app/main/inventory/index.js';
import { InvalidInputError } from '../../../app/shared/validation/names.js';
import { tempInventory } from './temp-inventory.js';

const host = (name: string): HostInput => ({
  name,
  address: `${name}.example`,
  username: 'root',
  hypervisor: 'kvm',
});

test('tags on hosts and VMs: add, list, find, remove', (t) => {
  const { hosts, tags } = tempInventory(t);
  hosts.add(host('web1'));
  const web1 = { kind: 'host', id: 'web1' } as const;
  const db2 = { kind: 'vm', id: 'web1/db2' } as const;
  assert.equal(tags.add(web1, 'prod'), true);
  assert.equal(tags.add(web1, 'prod'), false, 'a tag is there once');
  assert.equal(tags.add(web1, ' eu-west '), true);
  assert.equal(tags.add(db2, 'prod'), true);
  assert.deepEqual(tags.list(web1), ['eu-west', 'prod']);
  assert.deepEqual(tags.list(db2), ['prod']);
  assert.deepEqual(tags.targetsWithTag('prod'), [web1, db2]);
  assert.deepEqual(tags.targetsWithTag('nothing'), []);
  assert.equal(tags.remove(web1, 'prod'), true);
  assert.equal(tags.remove(web1, 'prod'), false);
  assert.deepEqual(tags.targetsWithTag('prod'), [db2]);
});

test('tags need a known host and well-formed targets and tags', (t) => {
  const { hosts, tags } = tempInventory(t);
  hosts.add(host('web1'));
  assert.throws(() => tags.add({ kind: 'host', id: 'ghost' }, 'x'), NotFoundError);
  assert.throws(() => tags.add({ kind: 'vm', id: 'ghost/vm' }, 'x'), NotFoundError);
  for (const target of [
    { kind: 'vm', id: 'web1' },
    { kind: 'vm', id: 'web1/' },
    { kind: 'vm', id: 'web1/a;b' },
    { kind: 'host', id: 'a;b' },
    { kind: 'pool', id: 'web1' },
  ] as const) {
    assert.throws(
      () => tags.add(target as { kind: 'host'; id: string }, 'x'),
      InvalidInputError,
      JSON.stringify(target),
    );
  }
  for (const tag of ['', '  ', 'a\tb', 'x'.repeat(65)]) {
    assert.throws(() => tags.add({ kind: 'host', id: 'web1' }, tag), InvalidInputError);
  }
});

test("a host's tags and its VMs' tags go with it, and follow a rename", (t) => {
  const { hosts, tags } = tempInventory(t);
  hosts.add(host('web1'));
  // web10 and web1_x sort near web1/ and must not be touched.
  hosts.add(host('web10'));
  hosts.add(host('web1_x'));
  tags.add({ kind: 'host', id: 'web1' }, 'prod');
  tags.add({ kind: 'vm', id: 'web1/db' }, 'prod');
  tags.add({ kind: 'host', id: 'web10' }, 'prod');
  tags.add({ kind: 'vm', id: 'web10/db' }, 'prod');
  tags.add({ kind: 'vm', id: 'web1_x/db' }, 'prod');

  hosts.update('web1', { name: 'front' });
  assert.deepEqual(tags.targetsWithTag('prod'), [
    { kind: 'host', id: 'front' },
    { kind: 'host', id: 'web10' },
    { kind: 'vm', id: 'front/db' },
    { kind: 'vm', id: 'web10/db' },
    { kind: 'vm', id: 'web1_x/db' },
  ]);

  hosts.remove('front');
  assert.deepEqual(tags.targetsWithTag('prod'), [
    { kind: 'host', id: 'web10' },
    { kind: 'vm', id: 'web10/db' },
    { kind: 'vm', id: 'web1_x/db' },
  ]);
});
