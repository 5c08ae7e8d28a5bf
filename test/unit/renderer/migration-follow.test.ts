// The VM view follows a migrated VM: to the host the dialog asked for once the fleet shows it
// there, or (an evacuation) to the one other host it shows up on; never for a migration that
// failed, or one that had ended before this window saw it running.
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { useFleetStore } from '../../../app/renderer/src/store/fleet-store.js';
import {
  arrivalHost,
  followMigrations,
  MigrationFollower,
} from '../../../app/renderer/src/store/migration-follow.js';
import { useViewStore } from '../../../app/renderer/src/store/view-store.js';
import type { Task } from '../../../app/shared/domain/inventory.js';
import { byHost, host, vm } from './fleet-fixtures.js';

function migrateTask(id: string, status: Task['status']): Task {
  return {
    id,
    kind: 'vm.migrate',
    target: 'a/web',
    status,
    progress: null,
    message: null,
    error: null,
    createdAt: '2026-01-01T00:00:00Z',
    startedAt: null,
    endedAt: null,
  };
}

const onA = byHost(vm('a', 'web'));
const onB = byHost(vm('b', 'web'));
const hostNames = ['a', 'b', 'c'];

test('arrival: the known target once it shows the VM', () => {
  assert.equal(arrivalHost({ from: 'a', vm: 'web', to: 'b' }, onA, hostNames), null);
  assert.equal(arrivalHost({ from: 'a', vm: 'web', to: 'b' }, onB, hostNames), 'b');
});

test('arrival without a known target: the one other host showing it, once gone from the source', () => {
  const unknown = { from: 'a', vm: 'web', to: null };
  assert.equal(arrivalHost(unknown, { ...onA, ...onB }, hostNames), null);
  assert.equal(arrivalHost(unknown, onB, hostNames), 'b');
  assert.equal(arrivalHost(unknown, byHost(vm('b', 'web'), vm('c', 'web')), hostNames), null);
});

test('the follower follows succeeded migrations it saw running, not failed or older ones', () => {
  const follower = new MigrationFollower();
  follower.started('t1', 'b');
  follower.taskUpdated(migrateTask('t1', 'running'));
  follower.taskUpdated(migrateTask('t1', 'succeeded'));
  assert.deepEqual(follower.arrivals(onA, hostNames), []);
  assert.deepEqual(follower.arrivals(onB, hostNames), [{ from: 'a', vm: 'web', to: 'b' }]);
  assert.deepEqual(follower.arrivals(onB, hostNames), [], 'followed once');

  follower.taskUpdated(migrateTask('t2', 'running'));
  follower.taskUpdated(migrateTask('t2', 'failed'));
  follower.taskUpdated(migrateTask('t3', 'succeeded')); // ended before this window saw it
  follower.taskUpdated({ ...migrateTask('t4', 'running'), kind: 'vm.start' });
  follower.taskUpdated({ ...migrateTask('t4', 'succeeded'), kind: 'vm.start' });
  assert.deepEqual(follower.arrivals(onB, hostNames), []);
});

beforeEach(() => {
  useFleetStore.setState({
    tasks: {},
    taskIds: [],
    vmsByHost: {},
    vmKeysByHost: {},
    hostNames: [],
  });
  useViewStore.setState({ screen: { kind: 'dashboard' } });
});

test('the VM view of a migrated VM moves to its new host, with its consoles', () => {
  const follower = new MigrationFollower();
  const stop = followMigrations(follower);
  try {
    const view = useViewStore.getState();
    view.show({ kind: 'vm', host: 'a', vm: 'web' });
    const consoles = [{ id: 'console-1', kind: 'serial' as const }];
    view.setVmView((v) => ({ ...v, tab: 'consoles', consoles, activeConsole: 'console-1' }));
    useFleetStore.setState({
      hosts: { a: host('a'), b: host('b') },
      hostNames: ['a', 'b'],
      vmsByHost: onA,
    });
    follower.started('t1', 'b');
    useFleetStore.getState().applyTask(migrateTask('t1', 'running'));
    useFleetStore.getState().applyTask(migrateTask('t1', 'succeeded'));
    assert.deepEqual(useViewStore.getState().screen, { kind: 'vm', host: 'a', vm: 'web' });
    useFleetStore.setState({ vmsByHost: onB });
    assert.deepEqual(useViewStore.getState().screen, { kind: 'vm', host: 'b', vm: 'web' });
    assert.deepEqual(useViewStore.getState().vmView.consoles, consoles);
    assert.equal(useViewStore.getState().vmView.tab, 'consoles');
  } finally {
    stop();
  }
});

test('showing another screen closes the VM view consoles; showing the same one keeps them', () => {
  const view = useViewStore.getState();
  view.show({ kind: 'vm', host: 'a', vm: 'web' });
  view.setVmView((v) => ({ ...v, consoles: [{ id: 'c1', kind: 'serial' }] }));
  view.show({ kind: 'vm', host: 'a', vm: 'web' });
  assert.equal(useViewStore.getState().vmView.consoles.length, 1);
  view.show({ kind: 'host', host: 'a' });
  assert.equal(useViewStore.getState().vmView.consoles.length, 0);
});
