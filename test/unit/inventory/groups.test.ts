import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConflictError, NotFoundError } from '../../../app/main/inventory/index.js';
import { InvalidInputError } from '../../../app/shared/validation/names.js';
import { tempInventory } from './temp-inventory.js';

test('groups nest, rename, and report their path', (t) => {
  const { groups } = tempInventory(t);
  const dc = groups.create('Datacenter');
  const rack = groups.create('Rack 1', dc.id);
  assert.deepEqual(rack, {
    id: rack.id,
    name: 'Rack 1',
    parentId: dc.id,
    createdAt: rack.createdAt,
  });
  assert.match(rack.createdAt, /Z$/);
  assert.equal(groups.path(rack.id), 'Datacenter/Rack 1');
  assert.equal(groups.path(dc.id), 'Datacenter');
  assert.equal(groups.rename(rack.id, '  Rack A  ').name, 'Rack A', 'names are trimmed');
  assert.equal(groups.path(rack.id), 'Datacenter/Rack A');
  assert.deepEqual(groups.get(rack.id)?.name, 'Rack A');
  assert.equal(groups.get(9999), undefined);
});

test('list puts parents before their subgroups, siblings by name', (t) => {
  const { groups } = tempInventory(t);
  const b = groups.create('B');
  const a = groups.create('A');
  groups.create('z', a.id);
  const y = groups.create('y', a.id);
  groups.create('deep', y.id);
  groups.create('c', b.id);
  assert.deepEqual(
    groups.list().map((g) => groups.path(g.id)),
    ['A', 'A/y', 'A/y/deep', 'A/z', 'B', 'B/c'],
  );
});

test('the same name may repeat under different parents, not under the same one', (t) => {
  const { groups } = tempInventory(t);
  const one = groups.create('One');
  const two = groups.create('Two');
  groups.create('Rack', one.id);
  groups.create('Rack', two.id);
  assert.throws(() => groups.create('Rack', one.id), ConflictError);
  assert.throws(() => groups.create('One'), /already exists at the top level/);
  const other = groups.create('Other', one.id);
  assert.throws(() => groups.rename(other.id, 'Rack'), /already exists in One/);
  const topRack = groups.create('Rack');
  assert.throws(() => groups.move(topRack.id, two.id), /"Rack" already exists in Two/);
  assert.equal(groups.get(topRack.id)?.parentId, null);
});

test('bad names and missing groups are refused', (t) => {
  const { groups } = tempInventory(t);
  for (const bad of ['', '   ', 'a/b', 'x\ny', 'x'.repeat(65)]) {
    assert.throws(() => groups.create(bad), InvalidInputError, JSON.stringify(bad));
  }
  assert.throws(() => groups.create('x', 42), NotFoundError);
  assert.throws(() => groups.rename(42, 'x'), NotFoundError);
  assert.throws(() => groups.remove(42), NotFoundError);
  assert.throws(() => groups.path(42), NotFoundError);
});

test('moving a group into itself or one of its subgroups is refused', (t) => {
  const { groups } = tempInventory(t);
  const a = groups.create('A');
  const b = groups.create('B', a.id);
  const c = groups.create('C', b.id);
  assert.throws(() => groups.move(a.id, a.id), /Cannot move group A into A/);
  assert.throws(() => groups.move(a.id, c.id), ConflictError);
  assert.throws(() => groups.move(b.id, c.id), /Cannot move group A\/B into A\/B\/C/);
  assert.equal(groups.path(c.id), 'A/B/C', 'nothing moved');

  assert.equal(groups.move(c.id, null).parentId, null);
  assert.equal(groups.path(c.id), 'C');
  groups.move(a.id, c.id);
  assert.equal(groups.path(b.id), 'C/A/B');
});

test('removing a group that holds hosts or subgroups is refused; an empty one goes', (t) => {
  const inventory = tempInventory(t);
  const { groups, hosts } = inventory;
  const dc = groups.create('DC');
  const rack = groups.create('Rack', dc.id);
  hosts.add({ name: 'h1', address: 'h1.example', username: 'root', hypervisor: 'kvm' });
  hosts.moveToGroup('h1', rack.id);
  assert.throws(() => groups.remove(dc.id), /Cannot remove group DC: it still holds 1 subgroup\./);
  assert.throws(() => groups.remove(rack.id), /it still holds 1 host\. Move or remove them/);
  hosts.moveToGroup('h1', null);
  groups.remove(rack.id);
  groups.remove(dc.id);
  assert.deepEqual(groups.list(), []);
});

test('the database itself refuses to orphan hosts or subgroups', (t) => {
  const { db, groups, hosts } = tempInventory(t);
  const g = groups.create('G');
  groups.create('Sub', g.id);
  hosts.add({ name: 'h', address: 'h', username: 'u', hypervisor: 'xen', groupId: g.id });
  assert.throws(() => db.prepare('DELETE FROM host_groups WHERE id = ?').run(g.id), /FOREIGN KEY/);
});
