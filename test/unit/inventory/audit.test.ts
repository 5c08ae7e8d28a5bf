import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidInputError } from '../../../app/shared/validation/names.js';
import { tempInventory } from './temp-inventory.js';

test('records name the default actor, keep JSON detail, and list newest first', (t) => {
  const { audit } = tempInventory(t, { actor: 'ann' });
  const first = audit.record({ action: 'host.add', target: 'web1', outcome: 'ok' });
  assert.deepEqual(first, {
    id: first.id,
    at: first.at,
    actor: 'ann',
    action: 'host.add',
    target: 'web1',
    outcome: 'ok',
    detail: null,
  });
  assert.match(first.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  const second = audit.record({
    action: 'vm.destroy',
    target: 'web1/db2',
    outcome: 'refused',
    detail: { reason: 'VM is protected', force: false, ids: [1, 2] },
    actor: 'bob',
  });
  assert.equal(second.actor, 'bob');
  assert.deepEqual(second.detail, { reason: 'VM is protected', force: false, ids: [1, 2] });
  audit.record({ action: 'settings.change', outcome: 'failed' });

  assert.deepEqual(
    audit.list().map((e) => e.action),
    ['settings.change', 'vm.destroy', 'host.add'],
  );
  assert.equal(audit.list()[0]?.target, null);
  assert.deepEqual(
    audit.list({ target: 'web1' }).map((e) => e.id),
    [first.id],
  );
  assert.deepEqual(audit.list({ limit: 1 })[0]?.action, 'settings.change');
  assert.deepEqual(audit.list({ target: 'web1/db2' })[0]?.detail, second.detail);
});

test('bad outcomes, empty actions and non-JSON detail are refused', (t) => {
  const { audit } = tempInventory(t);
  assert.throws(
    () => audit.record({ action: 'x', outcome: 'maybe' as 'ok' }),
    (e: unknown) => e instanceof InvalidInputError && e.field === 'outcome',
  );
  assert.throws(() => audit.record({ action: ' ', outcome: 'ok' }), InvalidInputError);
  assert.throws(
    () => audit.record({ action: 'x', outcome: 'ok', detail: { n: 1n } }),
    (e: unknown) => e instanceof InvalidInputError && e.field === 'detail',
  );
  assert.throws(
    () => audit.record({ action: 'x', outcome: 'ok', detail: () => 1 }),
    InvalidInputError,
  );
  assert.throws(() => audit.list({ limit: -1 }), InvalidInputError);
  assert.deepEqual(audit.list(), []);
});
