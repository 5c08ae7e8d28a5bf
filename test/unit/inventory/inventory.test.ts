import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  databasePath,
  Inventory,
  INTERRUPTED_ERROR,
  MIGRATIONS,
  openDatabase,
} from '../../../app/main/inventory/index.js';
import { tempDir } from './temp-inventory.js';

test('reopening the data folder keeps every kind of data', (t) => {
  const dataDir = tempDir(t);
  const first = Inventory.open({ dataDir, actor: 'ann' });
  const dc = first.groups.create('DC');
  first.hosts.add({
    name: 'web1',
    address: 'web1.example',
    username: 'root',
    hypervisor: 'kvm',
    groupId: dc.id,
  });
  first.tags.add({ kind: 'vm', id: 'web1/db2' }, 'prod');
  const task = first.tasks.create({ kind: 'vm.start', target: 'web1/db2' });
  first.tasks.start(task.id);
  first.tasks.appendLog(task.id, 'command', 'virsh start db2');
  first.tasks.finish(task.id, 'succeeded');
  first.audit.record({ action: 'vm.start', target: 'web1/db2', outcome: 'ok' });
  first.close();
  first.close(); // closing twice is harmless

  assert.ok(statSync(join(dataDir, 'convirt.db')).isFile());
  const second = Inventory.open({ dataDir });
  t.after(() => second.close());
  assert.equal(second.file, join(dataDir, 'convirt.db'));
  assert.equal(second.interruptedTasks, 0);
  assert.equal(second.groups.path(dc.id), 'DC');
  assert.equal(second.hosts.get('web1')?.groupId, dc.id);
  assert.deepEqual(second.tags.list({ kind: 'vm', id: 'web1/db2' }), ['prod']);
  assert.equal(second.tasks.get(task.id)?.status, 'succeeded');
  assert.deepEqual(
    second.tasks.log(task.id).map((e) => e.text),
    ['virsh start db2'],
  );
  assert.equal(second.audit.list()[0]?.actor, 'ann');
});

test('opening marks interrupted the tasks a crashed process left queued or running', (t) => {
  const dataDir = tempDir(t);
  // Above Linux's largest PID: never a running process.
  const crashed = Inventory.open({ dataDir, owner: { id: '4194305:1', isAlive: () => true } });
  const running = crashed.tasks.create({ kind: 'vm.migrate', target: 'web1/db2' });
  crashed.tasks.start(running.id);
  const queued = crashed.tasks.create({ kind: 'vm.start', target: 'web1/db3' });
  crashed.close(); // as if the process died here

  const next = Inventory.open({ dataDir });
  t.after(() => next.close());
  assert.equal(next.interruptedTasks, 2);
  for (const id of [running.id, queued.id]) {
    assert.equal(next.tasks.get(id)?.status, 'interrupted');
    assert.equal(next.tasks.get(id)?.error, INTERRUPTED_ERROR);
  }
});

test('a second process opening the inventory leaves the running tasks of the first alone', (t) => {
  const dataDir = tempDir(t);
  const first = Inventory.open({ dataDir });
  t.after(() => first.close());
  const running = first.tasks.create({ kind: 'vm.start', target: 'web1/db2' });
  first.tasks.start(running.id);
  const second = Inventory.open({ dataDir });
  t.after(() => second.close());
  assert.equal(second.interruptedTasks, 0);
  assert.equal(second.tasks.get(running.id)?.status, 'running');
});

test('migration 4 turns the failed-as-interrupted tasks of older versions into interrupted ones', (t) => {
  const dataDir = tempDir(t);
  const old = openDatabase(databasePath(dataDir), { migrations: MIGRATIONS.slice(0, 3) });
  const insert = old.prepare(
    `INSERT INTO tasks (id, kind, target, status, error, created_at) VALUES (?, 'k', 't', ?, ?, '')`,
  );
  insert.run('a', 'failed', INTERRUPTED_ERROR);
  insert.run('b', 'failed', 'exit 1');
  old.prepare(`INSERT INTO task_log VALUES ('a', 1, '', 'info', 'kept')`).run();
  old.close();

  const inventory = Inventory.open({ dataDir });
  t.after(() => inventory.close());
  assert.equal(inventory.tasks.get('a')?.status, 'interrupted');
  assert.equal(inventory.tasks.get('b')?.status, 'failed');
  assert.deepEqual(
    inventory.tasks.log('a').map((e) => e.text),
    ['kept'],
  );
  // The log still follows its task.
  inventory.db.prepare(`DELETE FROM tasks WHERE id = 'a'`).run();
  const logLines = inventory.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM task_log');
  assert.equal(logLines.get()?.n, 0);
});

test('audit records name the OS user unless told otherwise', (t) => {
  const inventory = Inventory.open({ dataDir: tempDir(t) });
  t.after(() => inventory.close());
  const entry = inventory.audit.record({ action: 'host.add', target: 'web1', outcome: 'ok' });
  assert.equal(entry.actor, userInfo().username);
});

test('transaction keeps all of its changes or none', (t) => {
  const inventory = Inventory.open({ dataDir: tempDir(t) });
  t.after(() => inventory.close());
  const input = { address: 'h', username: 'u', hypervisor: 'kvm' } as const;
  assert.throws(() =>
    inventory.transaction(() => {
      inventory.hosts.add({ ...input, name: 'a' });
      inventory.hosts.add({ ...input, name: 'a' });
    }),
  );
  assert.deepEqual(inventory.hosts.list(), []);
  const made = inventory.transaction(() => {
    inventory.hosts.add({ ...input, name: 'a' });
    return inventory.hosts.add({ ...input, name: 'b' });
  });
  assert.equal(made.name, 'b');
  assert.equal(inventory.hosts.list().length, 2);
});
