// An inventory change tells every client what changed, so no client fetches the whole fleet again
// (at a thousand hosts, each host added made every open window fetch 50,000 VMs).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClientEvents } from '../../../app/main/backend/convirt-backend.js';
import type { FleetChanged } from '../../../app/shared/contract/convirt-contract.js';
import { tempBackend } from './temp-backend.js';

test('pools, host moves, host tags and removals arrive as what changed', async (t) => {
  const { backend, inventory } = tempBackend(t);
  const changes: FleetChanged[] = [];
  const emit: ClientEvents = (event, payload) => {
    if (event === 'fleetChanged') changes.push(payload as FleetChanged);
  };
  const session = backend.attach(emit);
  t.after(() => session.close());
  inventory.hosts.add({ name: 'web1', address: '192.0.2.1', username: 'root', hypervisor: 'kvm' });
  const { service } = session;

  const rack = await service.createGroup('Rack 1', null);
  assert.deepEqual(changes.at(-1), { groups: [rack] });
  await service.renameGroup(rack.id, 'Rack A');
  assert.deepEqual(
    changes.at(-1)?.groups?.map((g) => g.name),
    ['Rack A'],
  );

  await service.moveHost('web1', rack.id);
  assert.deepEqual(Object.keys(changes.at(-1)!), ['hosts']);
  assert.equal(changes.at(-1)?.hosts?.[0]?.groupId, rack.id);

  await service.setHostTags('web1', ['prod']);
  assert.deepEqual(changes.at(-1)?.hosts?.[0]?.tags, ['prod']);

  await service.removeHost('web1');
  assert.deepEqual(changes.at(-1), { removedHosts: ['web1'] });
  await service.deleteGroup(rack.id);
  assert.deepEqual(changes.at(-1), { groups: [] });
  assert.equal(changes.length, 6);
});
