// The Migrate dialog's logic: targets are the other hosts of the VM's hypervisor, the mode follows
// the VM's state, the storage is main's unless the operator picks one, a check result counts only
// for the request it answered; a VM dragged onto its own host is ignored, onto a host of another
// hypervisor refused with the reason; an evacuation moves the running VMs only.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  checksSummary,
  currentAnswer,
  defaultMode,
  migrationRequest,
  migrationTargets,
  modeRefusal,
  runningVmsOf,
  shownStorage,
  vmDropVerdict,
  type MigrateForm,
} from '../../../app/renderer/src/migration/migrate-form.js';
import type { MigrationPlan } from '../../../app/shared/domain/migration.js';
import { byHost, host, vm } from './fleet-fixtures.js';

const plan = (over: Partial<MigrationPlan> = {}): MigrationPlan => ({
  source: 'a',
  target: 'b',
  vm: 'web',
  mode: 'live',
  storage: 'copy',
  checks: [
    { name: 'hypervisor', ok: true, detail: 'KVM on both' },
    { name: 'memory', ok: true, detail: '900 MiB free on b' },
  ],
  ok: true,
  connection: 'relayed through ConVirt',
  ...over,
});

test('targets: the other hosts of the same hypervisor, by name', () => {
  const hosts = {
    a: host('a'),
    c: host('c'),
    b: host('b'),
    x: { ...host('x'), hypervisor: 'xen' as const },
  };
  assert.deepEqual(migrationTargets('a', hosts), ['b', 'c']);
  assert.deepEqual(migrationTargets('x', hosts), []);
});

test('the mode follows the state: live for running or paused, offline for shut off', () => {
  assert.equal(defaultMode('running'), 'live');
  assert.equal(defaultMode('paused'), 'live');
  assert.equal(defaultMode('shutoff'), 'offline');
  assert.equal(defaultMode('crashed'), null);
  assert.equal(modeRefusal('live', 'running'), null);
  assert.match(modeRefusal('offline', 'running') ?? '', /shut-off VM; this one is running/);
  assert.match(modeRefusal('live', 'shutoff') ?? '', /running VM; this one is shutoff/);
});

test('the request leaves the storage to main until the operator picks one', () => {
  const form: MigrateForm = { target: 'b', mode: 'live', storage: null };
  assert.deepEqual(migrationRequest(form), { target: 'b', mode: 'live' });
  assert.deepEqual(migrationRequest({ ...form, storage: 'copy' }), {
    target: 'b',
    mode: 'live',
    copyStorage: true,
  });
  assert.deepEqual(migrationRequest({ ...form, storage: 'shared' }), {
    target: 'b',
    mode: 'live',
    copyStorage: false,
  });
  assert.equal(shownStorage(form, null), null);
  assert.equal(shownStorage(form, plan({ storage: 'shared' })), 'shared');
  assert.equal(shownStorage({ ...form, storage: 'copy' }, plan({ storage: 'shared' })), 'copy');
});

test('a check answer counts only for the request it answered', () => {
  const form: MigrateForm = { target: 'b', mode: 'live', storage: null };
  const answer = { request: migrationRequest(form), plan: plan(), error: null };
  assert.equal(currentAnswer(answer, form), answer);
  assert.equal(currentAnswer(answer, { ...form, target: 'c' }), null);
  assert.equal(currentAnswer(answer, { ...form, storage: 'copy' }), null);
  assert.equal(currentAnswer(null, form), null);
});

test('the summary says all pass, or how many refuse', () => {
  assert.equal(checksSummary(plan()), 'All 2 checks pass.');
  const refused = plan({
    ok: false,
    checks: [...plan().checks, { name: 'name', ok: false, detail: 'b has a VM web' }],
  });
  assert.equal(checksSummary(refused), '1 of 3 checks fail: the migration is refused.');
});

test('a dragged VM: its own host ignores it, another hypervisor refuses it', () => {
  const dragged = { host: 'a', vm: 'web' };
  assert.equal(vmDropVerdict(dragged, host('a'), 'kvm'), 'ignore');
  assert.equal(vmDropVerdict(dragged, host('b'), 'kvm'), 'accept');
  assert.deepEqual(vmDropVerdict(dragged, { ...host('x'), hypervisor: 'xen' }, 'kvm'), {
    refusal: 'web runs on KVM; x is a XEN host.',
  });
});

test('an evacuation moves the running VMs only', () => {
  const vms = byHost(
    vm('a', 'one'),
    vm('a', 'two', 'shutoff'),
    vm('a', 'three', 'running', { memoryMiB: 512 }),
  );
  assert.deepEqual(runningVmsOf(['a/one', 'a/two', 'a/three'], vms), [
    { name: 'one', memoryMiB: 128 },
    { name: 'three', memoryMiB: 512 },
  ]);
});
