import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ConflictError,
  INTERRUPTED_ERROR,
  MAKING_ON_HOST,
  NotFoundError,
  REMOVED_FROM_HOST,
  type LogStream,
} from '../../../app/main/inventory/index.js';
import { InvalidInputError } from '../../../app/shared/validation/names.js';
import { fakeOwner, tempInventory } from './temp-inventory.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('a task goes queued → running → succeeded with progress, message and timestamps', (t) => {
  const { tasks } = tempInventory(t);
  const task = tasks.create({ kind: 'vm.start', target: 'web1/db2' });
  assert.match(task.id, UUID);
  assert.deepEqual(task, {
    id: task.id,
    kind: 'vm.start',
    target: 'web1/db2',
    status: 'queued',
    progress: null,
    message: null,
    error: null,
    createdAt: task.createdAt,
    startedAt: null,
    endedAt: null,
  });
  const running = tasks.start(task.id);
  assert.equal(running.status, 'running');
  assert.ok(running.startedAt! > task.createdAt);

  tasks.progress(task.id, 0.25, 'copying disk');
  assert.equal(tasks.get(task.id)?.progress, 0.25);
  assert.equal(tasks.get(task.id)?.message, 'copying disk');
  tasks.progress(task.id, 0.5);
  assert.equal(tasks.get(task.id)?.message, 'copying disk', 'no message keeps the last one');
  tasks.progress(task.id, null, null);
  assert.equal(tasks.get(task.id)?.progress, null);
  assert.equal(tasks.get(task.id)?.message, null);

  const done = tasks.finish(task.id, 'succeeded');
  assert.equal(done.status, 'succeeded');
  assert.equal(done.progress, 1);
  assert.equal(done.error, null);
  assert.ok(done.endedAt! > done.startedAt!);
});

test('failures keep their error; illegal transitions and bad values are refused', (t) => {
  const { tasks } = tempInventory(t);
  const task = tasks.create({ kind: 'image.provision', target: 'web1' });
  assert.throws(
    () => tasks.progress(task.id, 0.5),
    /Cannot report progress on task .*: it is queued/,
  );
  tasks.start(task.id);
  assert.throws(() => tasks.start(task.id), ConflictError);
  for (const bad of [-0.1, 1.5, NaN, Infinity]) {
    assert.throws(() => tasks.progress(task.id, bad), InvalidInputError, String(bad));
  }
  const failed = tasks.finish(task.id, 'failed', 'virsh: domain not found');
  assert.equal(failed.error, 'virsh: domain not found');
  assert.throws(() => tasks.finish(task.id, 'succeeded'), /it is failed/);
  assert.throws(() => tasks.progress(task.id, 1), ConflictError);

  const queued = tasks.create({ kind: 'vm.stop', target: 'web1/a' });
  assert.equal(tasks.finish(queued.id, 'cancelled').status, 'cancelled', 'cancel before start');

  assert.throws(() => tasks.start('nope'), NotFoundError);
  assert.throws(() => tasks.finish('nope', 'failed'), NotFoundError);
  assert.throws(() => tasks.appendLog('nope', 'info', 'x'), NotFoundError);
  assert.throws(() => tasks.log('nope'), NotFoundError);
  assert.equal(tasks.get('nope'), undefined);
  assert.throws(() => tasks.finish(queued.id, 'running' as 'failed'), InvalidInputError);
  assert.throws(() => tasks.create({ kind: 'Vm Start', target: 'x' }), InvalidInputError);
  assert.throws(() => tasks.create({ kind: 'vm.start', target: '' }), InvalidInputError);
  assert.throws(() => tasks.appendLog(queued.id, 'debug' as LogStream, 'x'), InvalidInputError);
});

test('10,000 log lines append one by one and read back in order', (t) => {
  const { tasks } = tempInventory(t);
  const task = tasks.create({ kind: 'vm.provision', target: 'web1/big' });
  tasks.start(task.id);
  const streams: LogStream[] = ['command', 'stdout', 'stderr', 'info'];
  const started = performance.now();
  for (let i = 0; i < 10_000; i++) {
    const seq = tasks.appendLog(task.id, streams[i % 4]!, `line ${i} ${'x'.repeat(i % 200)}`);
    assert.equal(seq, i + 1);
  }
  const appendMs = performance.now() - started;
  tasks.finish(task.id, 'succeeded');

  const log = tasks.log(task.id);
  assert.equal(log.length, 10_000);
  log.forEach((entry, i) => {
    assert.equal(entry.seq, i + 1);
    assert.equal(entry.stream, streams[i % 4]);
    assert.equal(entry.text, `line ${i} ${'x'.repeat(i % 200)}`);
    assert.match(entry.at, /Z$/);
  });
  t.diagnostic(`10,000 appends took ${appendMs.toFixed(0)} ms`);

  const tail = tasks.log(task.id, { afterSeq: 9_990 });
  assert.deepEqual(
    tail.map((e) => e.seq),
    [9991, 9992, 9993, 9994, 9995, 9996, 9997, 9998, 9999, 10000],
  );
  assert.equal(tasks.log(task.id, { afterSeq: 100, limit: 5 })[0]?.seq, 101);
  assert.equal(tasks.log(task.id, { afterSeq: 100, limit: 5 }).length, 5);
});

test('each task numbers its own log, and big chunks survive intact', (t) => {
  const { tasks } = tempInventory(t);
  const a = tasks.create({ kind: 'vm.start', target: 'h/a' });
  const b = tasks.create({ kind: 'vm.start', target: 'h/b' });
  assert.equal(tasks.appendLog(a.id, 'info', 'a1'), 1);
  assert.equal(tasks.appendLog(b.id, 'info', 'b1'), 1);
  const big = 'y'.repeat(4 * 1024 * 1024) + '\n\0end';
  assert.equal(tasks.appendLog(a.id, 'stdout', big), 2);
  assert.equal(tasks.log(a.id)[1]?.text, big);
  assert.deepEqual(
    tasks.log(b.id).map((e) => e.text),
    ['b1'],
  );
});

test('list is newest first, filters by status and target, and honours the limit', (t) => {
  const { tasks } = tempInventory(t);
  const ids = Array.from(
    { length: 5 },
    (_, i) => tasks.create({ kind: 'vm.start', target: i % 2 ? 'h/odd' : 'h/even' }).id,
  );
  tasks.start(ids[4]!);
  assert.deepEqual(
    tasks.list().map((task) => task.id),
    [...ids].reverse(),
  );
  assert.deepEqual(
    tasks.list({ limit: 2 }).map((task) => task.id),
    [ids[4], ids[3]],
  );
  assert.deepEqual(
    tasks.list({ target: 'h/odd' }).map((task) => task.id),
    [ids[3], ids[1]],
  );
  assert.deepEqual(
    tasks.list({ status: 'running' }).map((task) => task.id),
    [ids[4]],
  );
  assert.deepEqual(tasks.list({ status: 'running', target: 'h/odd' }), []);
  assert.throws(() => tasks.list({ limit: 0 }), InvalidInputError);
});

test('markInterrupted marks the queued and running tasks of a gone process, not finished ones', (t) => {
  // This process's tasks were written by 'gone', a process it does not see running.
  const { tasks } = tempInventory(t, { owner: fakeOwner('gone', []) });
  const queued = tasks.create({ kind: 'vm.start', target: 'h/a' }).id;
  const running = tasks.create({ kind: 'vm.start', target: 'h/b' }).id;
  tasks.start(running);
  const done = tasks.create({ kind: 'vm.start', target: 'h/c' }).id;
  tasks.start(done);
  tasks.finish(done, 'succeeded');

  assert.equal(tasks.markInterrupted(), 2);
  for (const id of [queued, running]) {
    const task = tasks.get(id)!;
    assert.equal(task.status, 'interrupted');
    assert.equal(task.error, INTERRUPTED_ERROR);
    assert.equal(task.error, 'interrupted: ConVirt stopped while this task ran');
    assert.ok(task.endedAt);
  }
  assert.equal(tasks.get(done)?.status, 'succeeded');
  assert.equal(tasks.markInterrupted(), 0);
  assert.deepEqual(
    tasks.list({ status: 'interrupted' }).map((task) => task.id),
    [running, queued],
  );
});

test('markInterrupted leaves alone the tasks of a process that still runs', (t) => {
  // Another client (convirtctl beside the window) opening the same inventory.
  const { tasks } = tempInventory(t, { owner: fakeOwner('window', ['window', 'cli']) });
  const running = tasks.create({ kind: 'vm.start', target: 'h/a' }).id;
  tasks.start(running);
  assert.equal(tasks.markInterrupted(), 0);
  assert.equal(tasks.get(running)?.status, 'running');
  tasks.finish(running, 'succeeded');
});

test('an interrupted task names what it may have left on the host', (t) => {
  const { tasks } = tempInventory(t, { owner: fakeOwner('gone', []) });
  const id = tasks.create({ kind: 'vm.provision', target: 'h/web' }).id;
  tasks.start(id);
  for (const what of ['file /p/web-vda.qcow2', 'folder /p/work', 'domain web'])
    tasks.appendLog(id, 'info', `${MAKING_ON_HOST}${what}`);
  // The undo had removed the domain when the process died.
  tasks.appendLog(id, 'info', `${REMOVED_FROM_HOST}\n  domain web`);
  const clean = tasks.create({ kind: 'vm.start', target: 'h/other' }).id;
  tasks.start(clean);

  assert.equal(tasks.markInterrupted(), 2);
  const task = tasks.get(id)!;
  assert.equal(task.status, 'interrupted');
  assert.equal(
    task.error,
    `${INTERRUPTED_ERROR}; it may have left on the host: file /p/web-vda.qcow2, folder /p/work`,
  );
  assert.deepEqual(tasks.log(id).at(-1), {
    seq: 5,
    at: tasks.log(id).at(-1)!.at,
    stream: 'stderr',
    text: 'ConVirt stopped while this task ran. It may have left on the host:\n  file /p/web-vda.qcow2\n  folder /p/work',
  });
  assert.equal(tasks.get(clean)?.error, INTERRUPTED_ERROR);
  assert.equal(tasks.log(clean).length, 0);
});

test('deleteFinishedBefore drops old finished tasks and their logs only', (t) => {
  const { tasks, db } = tempInventory(t);
  const old = tasks.create({ kind: 'vm.start', target: 'h/a' }).id;
  tasks.appendLog(old, 'info', 'old');
  tasks.finish(old, 'failed', 'x');
  const cutoff = new Date(Date.parse(tasks.get(old)!.endedAt!) + 1);
  const live = tasks.create({ kind: 'vm.start', target: 'h/b' }).id;
  tasks.start(live);
  assert.equal(tasks.deleteFinishedBefore(cutoff), 1);
  assert.equal(tasks.get(old), undefined);
  assert.ok(tasks.get(live));
  const orphanLines = db
    .prepare<[string], { n: number }>('SELECT count(*) AS n FROM task_log WHERE task_id = ?')
    .get(old)!.n;
  assert.equal(orphanLines, 0);
});
